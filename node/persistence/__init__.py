"""Persistence of one node: the Parquet data catalog, its loaders and wranglers."""

from node.persistence.catalog import CatalogEntry, ParquetDataCatalog

__all__ = ["CatalogEntry", "ParquetDataCatalog"]
