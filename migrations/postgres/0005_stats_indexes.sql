-- A period's figures (stats.rs) without reading every ticket of the period:
-- the counts per service, desk and status come from the day index alone,
-- and the partial index finds the few called tickets, whose times and
-- out-of-turn calls matter, among a day of waiting ones.
drop index tickets_day;
create index tickets_day on tickets (branch_id, business_day, service_id, desk_id, status);
create index tickets_called_day on tickets (branch_id, business_day) where called_at is not null;
