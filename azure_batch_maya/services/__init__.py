"""A thin layer over azure-batch, azure-storage-blob and azure-identity.

- `settings`: `ServiceSettings` (nothing secret, saveable), `Secrets` from the keyring or env.
- `credentials`: account-key and Entra ID credentials (encrypted token cache only).
- `clients`: `create_batch_client` / `create_blob_service_client` with retries and a sized pool.
- `storage`: containers, `list_blobs` (5,000 a request), uploads, `.part` downloads, SAS URLs.
- `batch`: pool, job and task specs, and their pure conversion to the SDK's models.
- `pools`, `jobs`, `tasks`: the verbs over them; `operations`: long operations, shared wrapping.
- `errors`: `ServiceError` and its kinds, each with a message a person can act on.
"""
