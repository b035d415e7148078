-- A unit of work of the API is first sent as one statement: its writes as data-modifying CTEs, then
-- this check of how many rows each changed against what the unit counted on (-1: any). A write
-- that changed other rows (a duplicate, a taken domain, a race) fails the statement whole with a
-- serialization failure (40001): nothing of it is stored, and the emulator runs the request again
-- in a transaction.
CREATE FUNCTION pce_unit_check(counts BIGINT[], expected BIGINT[]) RETURNS INTEGER
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(counts, 1), 0) LOOP
        IF expected[i] <> -1 AND counts[i] <> expected[i] THEN
            RAISE EXCEPTION 'write % of the unit changed % rows, not %', i, counts[i], expected[i]
                USING ERRCODE = 'serialization_failure';
        END IF;
    END LOOP;
    RETURN coalesce(array_length(counts, 1), 0);
END
$$;
