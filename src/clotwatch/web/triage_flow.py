"""The triage questionnaire, step by step (placeholder until the triage engine lands)."""
