"""The register_codec contract as data: one YAML file per clause family, validated by ``schema.json``."""
