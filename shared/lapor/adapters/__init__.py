"""Adapters: the AWS side of the ports. SDK errors become domain errors here."""
