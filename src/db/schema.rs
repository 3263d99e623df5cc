//! The tables, kept by hand with portable types only, so one schema serves both engines.

diesel::table! {
    /// The 13 counties of Lüliang (GB/T 2260), seeded by the first migration.
    counties (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    /// Settings the server keeps for itself, such as a generated token-signing secret.
    app_settings (key) {
        key -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(counties, app_settings);
