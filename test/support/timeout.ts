// Integration tests wait on real services (consumer group joins, deliveries); give each up to two minutes.
jest.setTimeout(120_000);
