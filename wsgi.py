from triage import create_app

app = create_app()
