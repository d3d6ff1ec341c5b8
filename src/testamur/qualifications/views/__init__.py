"""Qualification pages, in three modules: qualifications (list and tabs), rules (editing the
packaging rules) and enrolments (one qualification enrolment, requests, the learner tab)."""
