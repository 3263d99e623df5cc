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
    /// Training providers, evaluation agencies and employers; employer accounts are bound to
    /// an employer.
    organisations (id) {
        id -> Text,
        name -> Text,
        city -> Nullable<Text>,
        county_code -> Nullable<Text>,
        active -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        kind -> Text,
        credit_code -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
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

diesel::joinable!(users -> organisations (employer_id));
diesel::joinable!(user_counties -> users (user_id));
diesel::joinable!(user_counties -> counties (county_code));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(organisations -> counties (county_code));

diesel::allow_tables_to_appear_in_same_query!(
    counties,
    app_settings,
    programme_settings,
    organisations,
    users,
    user_counties,
    refresh_tokens,
    login_failures,
    login_throttles,
    audit_log,
    trainees,
    trainee_categories,
    cohorts,
    enrolments,
    attendance,
    attendance_registers,
    idempotency_keys,
    assessments,
    certificates,
    eligibility,
    placements,
    follow_ups,
    income_thresholds,
    targets,
    change_feed,
    sync_horizon,
    sync_ops,
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

diesel::table! {
    /// Classes (培训班 / 期) run by a provider.
    cohorts (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        provider_id -> Text,
        occupation -> Text,
        level -> Text,
        county_code -> Text,
        funding_type -> Text,
        mode -> Text,
        start_date -> Date,
        end_date -> Date,
        planned_days -> Integer,
        planned_hours -> Integer,
        capacity -> Integer,
        places_taken -> Integer,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A trainee in a cohort.
    enrolments (id) {
        id -> Text,
        cohort_id -> Text,
        trainee_id -> Text,
        status -> Text,
        enrolled_on -> Date,
        attended_days -> Integer,
        completed_on -> Nullable<Date>,
        dropped_on -> Nullable<Date>,
        drop_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        override_reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// Who was present on a day.
    attendance (enrolment_id, day) {
        enrolment_id -> Text,
        day -> Date,
    }
}

diesel::table! {
    /// That a day's register was taken.
    attendance_registers (cohort_id, day) {
        cohort_id -> Text,
        day -> Date,
        present_count -> Integer,
        recorded_by -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// Keys of retried action requests.
    idempotency_keys (actor_id, key) {
        actor_id -> Text,
        key -> Text,
        operation -> Text,
        request_digest -> Text,
        resource_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(cohorts -> organisations (provider_id));
diesel::joinable!(cohorts -> counties (county_code));
diesel::joinable!(enrolments -> cohorts (cohort_id));
diesel::joinable!(enrolments -> trainees (trainee_id));
diesel::joinable!(attendance -> enrolments (enrolment_id));
diesel::joinable!(attendance_registers -> cohorts (cohort_id));

diesel::table! {
    /// Assessments of completed enrolments.
    assessments (id) {
        id -> Text,
        enrolment_id -> Text,
        agency_id -> Text,
        assessed_on -> Date,
        theory_score -> Integer,
        practical_score -> Integer,
        passed -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Certificates, from an assessment or earned before the programme.
    certificates (id) {
        id -> Text,
        trainee_id -> Text,
        number -> Text,
        kind -> Text,
        occupation -> Text,
        level -> Text,
        issued_on -> Date,
        agency_id -> Nullable<Text>,
        source -> Text,
        assessment_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The levels above the one held that each trainee is, or will be, eligible for.
    eligibility (trainee_id, occupation, level) {
        trainee_id -> Text,
        occupation -> Text,
        level -> Text,
        eligible_from -> Date,
        updated_at -> Timestamp,
        county_code -> Text,
    }
}

diesel::joinable!(assessments -> enrolments (enrolment_id));
diesel::joinable!(certificates -> trainees (trainee_id));
diesel::joinable!(eligibility -> trainees (trainee_id));

diesel::table! {
    /// Placements in work: one piece of work each (an employer, a household or a business), open
    /// or ended, and apart from that its evidence.
    placements (id) {
        id -> Text,
        trainee_id -> Text,
        county_code -> Text,
        kind -> Text,
        employer_id -> Nullable<Text>,
        household_name -> Nullable<Text>,
        household_phone -> Nullable<Text>,
        business -> Nullable<Text>,
        occupation -> Text,
        position -> Text,
        work_city -> Text,
        start_date -> Date,
        monthly_wage_fen -> BigInt,
        contract_type -> Text,
        lifecycle -> Text,
        evidence -> Text,
        confirmed_at -> Nullable<Timestamp>,
        disputed_at -> Nullable<Timestamp>,
        dispute_reason -> Nullable<Text>,
        verified_on -> Nullable<Date>,
        resolution -> Nullable<Text>,
        resolution_reason -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Text>,
        ended_on -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        last_follow_up_on -> Nullable<Date>,
        stopped_on -> Nullable<Date>,
        follow_up_due_on -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Follow-ups of placements, append-only.
    follow_ups (id) {
        id -> Text,
        placement_id -> Text,
        followed_up_on -> Date,
        channel -> Text,
        still_employed -> Bool,
        same_employer -> Bool,
        monthly_income_fen -> Nullable<BigInt>,
        note -> Nullable<Text>,
        recorded_at -> Timestamp,
        received_at -> Timestamp,
        recorded_by -> Nullable<Text>,
        new_placement_id -> Nullable<Text>,
    }
}

diesel::table! {
    /// Each county's minimum living guarantee (城市低保标准), by period.
    income_thresholds (id) {
        id -> Text,
        county_code -> Text,
        monthly_fen -> BigInt,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        source -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        correction_reason -> Nullable<Text>,
        corrected_at -> Nullable<Timestamp>,
        corrected_by -> Nullable<Text>,
    }
}

diesel::joinable!(placements -> trainees (trainee_id));
diesel::joinable!(placements -> organisations (employer_id));
diesel::joinable!(placements -> counties (county_code));
diesel::joinable!(follow_ups -> placements (placement_id));
diesel::joinable!(income_thresholds -> counties (county_code));

diesel::table! {
    /// The year's targets, for the city or a county.
    targets (year, scope) {
        year -> Integer,
        scope -> Text,
        trained -> Integer,
        certification_rate_bp -> Integer,
        employed -> Integer,
        intermediate_trained -> Nullable<Integer>,
        advanced_trained -> Nullable<Integer>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// What each trainee adds to a year's report, as changes by day (JSON).
    report_facts (trainee_id, year) {
        trainee_id -> Text,
        year -> Integer,
        county_code -> Text,
        changes -> Text,
    }
}

diesel::table! {
    /// Report figures summed per group and two-week period.
    report_counts (year, dim, period, county_code, group_key, metric) {
        year -> Integer,
        dim -> Text,
        group_key -> Text,
        county_code -> Text,
        metric -> Text,
        period -> Integer,
        n -> BigInt,
    }
}

diesel::table! {
    /// Report figures summed per group and day.
    report_day_counts (year, dim, county_code, day, group_key, metric) {
        year -> Integer,
        dim -> Text,
        group_key -> Text,
        county_code -> Text,
        metric -> Text,
        day -> Date,
        n -> BigInt,
    }
}

diesel::table! {
    /// Issued two-weekly reports and their revisions.
    biweekly_reports (id) {
        id -> Text,
        year -> Integer,
        period -> Integer,
        scope -> Text,
        revision -> Integer,
        as_of -> Date,
        figures -> Text,
        records -> Text,
        breakdowns -> Text,
        differences -> Nullable<Text>,
        frozen_by -> Nullable<Text>,
        frozen_at -> Timestamp,
    }
}

diesel::table! {
    /// Programme settings, one row per change; the latest is in force.
    programme_settings (id) {
        id -> Text,
        retirement_age_male -> Integer,
        retirement_age_female -> Integer,
        completion_attendance_percent -> Integer,
        certified_kinds -> Text,
        outcome_cutoff -> Text,
        employment_min_days -> Integer,
        effective_from -> Date,
        reason -> Text,
        set_by -> Nullable<Text>,
        set_at -> Timestamp,
    }
}

diesel::table! {
    /// The change feed offline sync reads: each record's latest change per scope, in commit
    /// order.
    change_feed (position) {
        position -> BigInt,
        kind -> Text,
        entity_id -> Text,
        scope -> Text,
        action -> Text,
        changed_at -> Timestamp,
        origin -> Nullable<Text>,
    }
}

diesel::table! {
    /// The last position whose tombstones were pruned (one row).
    sync_horizon (id) {
        id -> Integer,
        pruned_through -> BigInt,
    }
}

diesel::table! {
    /// The first answer to each pushed operation, by account, device and operation id.
    sync_ops (actor_id, device_id, op_id) {
        actor_id -> Text,
        device_id -> Text,
        op_id -> Text,
        status -> Integer,
        result -> Text,
        created_at -> Timestamp,
    }
}
