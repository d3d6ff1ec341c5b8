"""A local stand-in for the USI Registry System and the ATO's token service (STS).

It implements the same contract and checks the same security as the real services: the token
request's RSA signature and certificate (issued by the simulator's own certificate authority,
standing in for the ATO's), timestamps and their clock skew, the issued SAML assertion's
signature, audience and expiry, and each call's HMAC signature with the proof key. Its data set
is small and built in (`data/registry.json`), or given by whoever starts it (tests, the demo).
Run it with `manage.py usi_simulator`; it listens on 127.0.0.1 only.
"""
