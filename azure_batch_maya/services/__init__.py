"""A thin layer over azure-batch, azure-storage-blob and azure-identity."""
