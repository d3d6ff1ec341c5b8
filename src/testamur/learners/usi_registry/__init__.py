"""Verification of learners' USIs with the national USI Registry System.

`client` speaks the registry's web service (the `http://usi.gov.au/2022/ws` contract) with the
security it requires (`keystore`, `wssec`, `messages`); `services` records each answer against
the learner; `simulator` is a local stand-in for the registry and the ATO's token service that
the tests and the demo talk to over HTTP. See docs/decisions (USI registry) for why.
"""
