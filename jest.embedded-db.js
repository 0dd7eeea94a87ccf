// Tests that query an embedded ClickHouse (chdb): a query can take seconds on a loaded machine.
jest.setTimeout(30_000);
