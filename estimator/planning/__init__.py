"""Planning a job: time per mode, the decision, routing, forecasts and the budgeter exercise."""
