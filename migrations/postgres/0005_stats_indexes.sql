-- A period's figures (stats.rs) without reading every ticket of the period:
-- the counts per service, desk and status come from the day index alone,
-- and the two partial indexes find the few tickets whose times or
-- out-of-turn calls matter among a day of waiting ones.
drop index tickets_day;
create index tickets_day on tickets (branch_id, business_day, service_id, desk_id, status);
create index tickets_called_day on tickets (branch_id, business_day) where called_at is not null;
create index tickets_out_of_turn_day on tickets (branch_id, business_day) where out_of_turn_reason is not null;
