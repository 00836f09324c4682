"""The survey: survey.yaml and respondent files, their cache, and figures with suppression."""
