"""Moving a job's files: the asset project up to Blob Storage, the frames back down."""
