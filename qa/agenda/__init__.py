"""Agenda proposals: members propose subjects for the next exchange session or council."""
