-- Whether the partner of a relationship holds delegated admin privileges (DAP) for the customer:
-- granted to the partner that created the customer (and to the reseller an indirect provider created
-- it for), and by a customer who accepts an invitation
-- that asks for them (`DAP=true`); an invitation without them records a reseller relationship
-- only. Partner Center answers it as the customer's `allowDelegatedAccess`, for the partner that
-- reads it. Relationships stored before were all shown with it: they keep it.
ALTER TABLE customer_relationships ADD COLUMN delegated_admin BOOLEAN NOT NULL DEFAULT TRUE;
