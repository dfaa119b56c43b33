"""The clinician walks the NG158 DVT pathway in a real browser, step by step, keyboard too."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect


def test_clinician_walks_the_dvt_pathway_to_a_repeat_scan(page: Any, server: Any,
                                                          shoot: Any) -> None:
    page.goto(f"{server.url}/en/pathway")
    page.get_by_role("link", name="Suspected deep vein thrombosis (DVT)").click()
    expect(page.locator("section.result")).to_contain_text("Record the person")
    page.get_by_label("age in years").fill("64")
    page.get_by_role("button", name="Next step").first.click()
    page.locator("#in-pregnant").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Next step").first.click()
    expect(page.locator("section.result")).to_contain_text("two-level DVT Wells score")
    page.locator("#in-wells_dvt_category").get_by_label("Likely", exact=True).check()
    page.get_by_role("button", name="Next step").first.click()
    expect(page.locator("section.result")).to_contain_text("within 4 hours")
    page.locator("#in-ultrasound").get_by_label("Negative", exact=True).check()
    page.get_by_role("button", name="Next step").first.click()
    result = page.locator("section.result")
    expect(result).to_contain_text("do a D-dimer test")
    page.get_by_label("D-dimer value").fill("0.9")
    page.get_by_label("D-dimer unit").select_option("mg/L FEU")
    page.get_by_role("button", name="Next step").first.click()
    expect(result).to_contain_text("6 to 8 days")
    expect(result).to_contain_text("900 ng/mL FEU")
    shoot(page, "pathway-dvt-repeat-scan")


def test_pathway_page_has_no_serious_accessibility_violations(axe_page: Any, server: Any,
                                                              axe: Any) -> None:
    axe_page.goto(f"{server.url}/en/pathway/pe")
    assert axe(axe_page) == []


def test_pathway_works_from_the_keyboard(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/en/pathway/pe")
    page.get_by_label("age in years").focus()
    page.keyboard.type("45")
    page.keyboard.press("Enter")
    expect(page.locator("section.result")).to_contain_text("pregnant")


def test_clinician_walks_the_russian_dvt_pathway(page: Any, server: Any, shoot: Any) -> None:
    page.goto(f"{server.url}/ru/pathway")
    page.get_by_role("link", name="Подозрение на тромбоз глубоких вен (ТГВ)").click()
    result = page.locator("section.result")
    expect(result).to_contain_text("Укажите возраст пациента")
    page.get_by_label("возраст, полных лет").fill("64")
    page.get_by_role("button", name="Следующий шаг").first.click()
    page.locator("#in-pregnant").get_by_label("Нет", exact=True).check()
    page.get_by_role("button", name="Следующий шаг").first.click()
    expect(result).to_contain_text("двухуровневой шкале Уэллса для ТГВ")
    page.locator("#in-wells_dvt_category").get_by_label("Вероятно", exact=True).check()
    page.get_by_role("button", name="Следующий шаг").first.click()
    expect(result).to_contain_text("УЗИ проксимальных вен нижних конечностей")
    page.locator("#in-ultrasound").get_by_label("Отрицательный", exact=True).check()
    page.get_by_role("button", name="Следующий шаг").first.click()
    expect(result).to_contain_text("определите D-димер")
    page.get_by_label("значение D-димера").fill("0.9")
    page.get_by_label("единицы D-димера").select_option("mg/L FEU")
    page.get_by_role("button", name="Следующий шаг").first.click()
    expect(result).to_contain_text("через 6-8 дней")
    expect(result).to_contain_text("900 нг/мл FEU")
    assert "Repeat" not in result.inner_text() and "ultrasound" not in result.inner_text()
    shoot(page, "pathway-dvt-repeat-scan-ru")
