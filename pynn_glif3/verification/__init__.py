"""pynn_glif3.verification"""
