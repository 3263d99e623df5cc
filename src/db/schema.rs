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

diesel::table! {
    /// Organisations that employ trainees; employer accounts are bound to one.
    employers (id) {
        id -> Text,
        name -> Text,
        city -> Nullable<Text>,
        county_code -> Nullable<Text>,
        active -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Accounts.
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        role -> Text,
        employer_id -> Nullable<Text>,
        active -> Bool,
        password_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The counties a manager or field worker works in.
    user_counties (user_id, county_code) {
        user_id -> Text,
        county_code -> Text,
    }
}

diesel::table! {
    /// Refresh tokens, as SHA-256 digests.
    refresh_tokens (id) {
        id -> Text,
        token_hash -> Text,
        family_id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        spent_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Failed sign-ins, for throttling.
    login_failures (id) {
        id -> Text,
        username -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    /// Serialises the sign-in attempts of one username.
    login_throttles (username) {
        username -> Text,
        touched_at -> Timestamp,
    }
}

diesel::table! {
    /// Who did what when.
    audit_log (id) {
        id -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Text>,
        county_code -> Nullable<Text>,
        at -> Timestamp,
        request_id -> Nullable<Text>,
    }
}

diesel::joinable!(users -> employers (employer_id));
diesel::joinable!(user_counties -> users (user_id));
diesel::joinable!(user_counties -> counties (county_code));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(employers -> counties (county_code));

diesel::allow_tables_to_appear_in_same_query!(
    counties,
    app_settings,
    employers,
    users,
    user_counties,
    refresh_tokens,
    login_failures,
    login_throttles,
    audit_log,
    trainees,
    trainee_categories,
);

diesel::table! {
    /// The real-name register: one person, one record.
    trainees (id) {
        id -> Text,
        name -> Text,
        id_number -> Text,
        sex -> Text,
        birth_date -> Date,
        phone -> Nullable<Text>,
        county_code -> Text,
        township -> Nullable<Text>,
        education -> Nullable<Text>,
        education_in_care -> Bool,
        prior_care_work_months -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The groups a trainee belongs to (several each).
    trainee_categories (trainee_id, category) {
        trainee_id -> Text,
        category -> Text,
    }
}

diesel::joinable!(trainees -> counties (county_code));
diesel::joinable!(trainee_categories -> trainees (trainee_id));
