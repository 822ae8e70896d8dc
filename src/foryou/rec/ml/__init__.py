"""The learning side: training sets from the event lake, models, versions (the trainer role)."""
