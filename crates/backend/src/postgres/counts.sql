-- Schema step 2: the number of accounts, kept as rows come and go, so that an
-- unfiltered portfolio's total is read, not counted (a count of a million rows
-- takes PostgreSQL about 100 ms; SQLite counts a small index faster).
CREATE TABLE account_count (
    one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    n BIGINT NOT NULL
);
INSERT INTO account_count (n) SELECT count(*) FROM accounts;

CREATE FUNCTION tend_accounts_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account_count SET n = n + (SELECT count(*) FROM added);
    RETURN NULL;
END $$;

CREATE FUNCTION tend_accounts_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account_count SET n = n - (SELECT count(*) FROM removed);
    RETURN NULL;
END $$;

-- Once per statement, over the rows it added or removed (a COPY of a million
-- rows updates the count once).
CREATE TRIGGER accounts_added AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION tend_accounts_added();
CREATE TRIGGER accounts_removed AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION tend_accounts_removed();
