from escalator.cli import run

run()
