from estimator.cli import run

run()
