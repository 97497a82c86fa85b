-- Per-language values of the office texts visitors read, beside the
-- default text each already has (issue 19): a service's kiosk category,
-- a desk's visitor-facing name ("Stanowisko 3" for "Desk 3"; staff keep
-- `name`) and the branch's kiosk message.
--
-- JSON object text {"<language tag>": "<text>"}, like services.names: the
-- same text in both backends, read and written by the same statements.
-- A language without a value falls back to its primary subtag's value,
-- then to the default text (waitwell_proto::localized), so '{}' keeps
-- every existing office reading exactly as before.
alter table services add column category_names text not null default '{}';
alter table desks add column names text not null default '{}';
alter table branches add column kiosk_messages text not null default '{}';
