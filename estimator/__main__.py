from estimator.cli import run

# The guard matters: process-based Dask workers re-import the main module.
if __name__ == "__main__":
    run()
