-- The console's session and antiforgery cookies are protected by ASP.NET Core data protection. Its key ring
-- lives here, so sessions survive a restart and every server on this database reads the same ring. Each
-- key's XML is sealed with the server's secrets key before it is written (docs/console.md), so read access
-- to the database alone cannot mint a session. Keys are only added (the framework rotates by adding).
CREATE TABLE data_protection_keys (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name text        NOT NULL,
    xml           text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
