/// What PostgreSQL has besides the schema every store shares (`Schema`): row-level security,
/// the access boundary between districts for operators who connect as database roles of their
/// own. A role sees and changes only the rows of the districts `district_roles` gives it; the
/// role that owns the tables (the one portaladmin migrates with) is not bound by the policies.
/// Granting a role the tables is the database administrator's (the README shows it).
enum PostgresSchema {
    /// The tables that hold a district's rows, each with `district_id`.
    static let tenantTables = [
        "districts", "district_settings", "operators", "audit_log", "audit_heads", "schools",
        "households", "students", "guardians", "links", "activation_keys", "accounts",
        "aup_signatures", "feature_rules", "restrictions", "age18_decisions", "merges",
        "district_roles",
    ]

    static let migrations: [Migration] = [
        Migration(
            name: "pg-001-row-level-security",
            sql: """
                CREATE TABLE district_roles (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    role_name TEXT NOT NULL,
                    PRIMARY KEY (district_id, role_name)
                );
                CREATE FUNCTION portaladmin_district_visible(d TEXT) RETURNS BOOLEAN
                    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
                    AS $$ SELECT EXISTS (SELECT 1 FROM public.district_roles r
                        WHERE r.district_id = d AND r.role_name = session_user) $$;
                """
                    + tenantTables.map {
                        """
                        ALTER TABLE \($0) ENABLE ROW LEVEL SECURITY;
                        CREATE POLICY district_rows ON \($0)
                            USING (portaladmin_district_visible(district_id))
                            WITH CHECK (portaladmin_district_visible(district_id));
                        """
                    }.joined(separator: "\n"))
    ]
}
