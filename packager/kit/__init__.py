"""The service kit copied into every image as the package ``cleave_kit``: RPC server, client and codec.

Standard library only, and it imports nothing of cleave (an import-linter contract checks this).
"""
