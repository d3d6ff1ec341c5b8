"""Demo data for `manage.py seed_demo`: a fictional RTO delivering real national training products.

`training_products` holds the qualifications and units (kept structured: core, elective groups and
majors, so packaging rules can be loaded from it), `people` the names and places, `rto` the demo
RTO and its course offers, `plan` the learners and results drawn from a fixed seed, and `seed`
writes whatever part of the plan is missing.
"""
