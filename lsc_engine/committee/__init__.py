"""The committee's domain: conditions and their life, the gate, the Panel's decision and its letter."""
