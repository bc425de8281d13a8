// @generated-style: mirrors migrations/{sqlite,postgres}; both backends map to these same SQL types.
// Regenerate with `diesel print-schema` against either database after adding a migration.

diesel::table! {
    ad_mappings (id) {
        id -> Integer,
        platform -> Text,
        ad_id -> Text,
        master_id -> Integer,
        variant_id -> Nullable<Integer>,
        mapped_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ad_running_sums (ad_key, date) {
        ad_key -> Integer,
        date -> Date,
        n -> BigInt,
        imp -> Double,
        clk -> Double,
        spend -> Double,
        conv -> Double,
        rev -> Double,
    }
}

diesel::table! {
    ads (id) {
        id -> Integer,
        platform -> Text,
        ad_id -> Text,
        ad_name -> Nullable<Text>,
        account_id -> Nullable<Text>,
        currency -> Nullable<Text>,
        campaign_id -> Nullable<Text>,
        campaign_name -> Nullable<Text>,
        adset_id -> Nullable<Text>,
        adset_name -> Nullable<Text>,
        labels_from -> Date,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        user_id -> Integer,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        read_only -> Bool,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        user_id -> Nullable<Integer>,
        action -> Text,
        subject -> Text,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    creative_days (id) {
        id -> Integer,
        master_id -> Integer,
        variant_id -> Nullable<Integer>,
        date -> Date,
        n -> BigInt,
        imp -> Double,
        imp2 -> Double,
        clk -> Double,
        clk2 -> Double,
        clk_imp -> Double,
        conv -> Double,
        conv2 -> Double,
        conv_clk -> Double,
        spend -> Double,
        spend2 -> Double,
        spend_conv -> Double,
        spend_clk -> Double,
        spend_imp -> Double,
        rev -> Double,
        rev2 -> Double,
        rev_spend -> Double,
    }
}

diesel::table! {
    demo_records (kind, record_id) {
        kind -> Text,
        record_id -> Integer,
    }
}

diesel::table! {
    experiment_arms (id) {
        id -> Integer,
        experiment_id -> Integer,
        variant_id -> Nullable<Integer>,
        is_control -> Bool,
        label -> Text,
        planned_weight -> Nullable<Double>,
    }
}

diesel::table! {
    experiments (id) {
        id -> Integer,
        master_id -> Integer,
        name -> Text,
        start_date -> Date,
        end_date -> Nullable<Date>,
        primary_metric -> Text,
        guardrail_metrics -> Text,
        method -> Text,
        variance_model -> Text,
        correction -> Text,
        alpha -> Double,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        planned_ads_per_arm -> Nullable<Integer>,
    }
}

diesel::table! {
    experiment_grids (experiment_id) {
        experiment_id -> Integer,
        grid_id -> Integer,
    }
}

diesel::table! {
    grid_cells (id) {
        id -> Integer,
        grid_id -> Integer,
        variant_id -> Integer,
        levels -> Text,
    }
}

diesel::table! {
    grids (id) {
        id -> Integer,
        master_id -> Integer,
        name -> Text,
        design -> Text,
        fraction -> Nullable<Text>,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    imports (id) {
        id -> Integer,
        sha256 -> Text,
        platform -> Text,
        filename -> Text,
        row_count -> Integer,
        ad_count -> Integer,
        inserted_count -> Integer,
        updated_count -> Integer,
        currency -> Nullable<Text>,
        date_min -> Nullable<Date>,
        date_max -> Nullable<Date>,
        user_id -> Nullable<Integer>,
        created_at -> Timestamp,
        workspace_id -> Integer,
    }
}

diesel::table! {
    import_uploads (sha256, user_id) {
        sha256 -> Text,
        user_id -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> Integer,
        kind -> Text,
        payload -> Text,
        status -> Text,
        progress -> Double,
        error -> Nullable<Text>,
        attempts -> Integer,
        claimed_by -> Nullable<Text>,
        heartbeat_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        crashes -> Integer,
        units_done -> Nullable<BigInt>,
        units_total -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        workspace_id -> Integer,
    }
}

diesel::table! {
    mask_ceilings (variant_id) {
        variant_id -> Integer,
        rejected_key -> Text,
        hits -> Integer,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    master_variables (id) {
        id -> Integer,
        master_id -> Integer,
        name -> Text,
    }
}

diesel::table! {
    masters (id) {
        id -> Integer,
        workspace_id -> Integer,
        name -> Text,
        source_model -> Text,
        source_prompt -> Text,
        image_sha -> Text,
        thumb_sha -> Text,
        width -> Integer,
        height -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    performance_rows (ad_key, date) {
        ad_key -> Integer,
        date -> Date,
        impressions -> BigInt,
        clicks -> BigInt,
        clicks_all -> Nullable<BigInt>,
        spend_micros -> BigInt,
        conversions -> Double,
        conversion_value -> Double,
        source_import_id -> Integer,
    }
}

diesel::table! {
    reviews (id) {
        id -> Integer,
        variant_id -> Integer,
        user_id -> Nullable<Integer>,
        from_status -> Text,
        to_status -> Text,
        comment -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Integer,
        user_id -> Integer,
        token_hash -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        user_agent -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        workspace_id -> Integer,
    }
}

diesel::table! {
    variant_pictures (variant_id) {
        variant_id -> Integer,
        diff_sha -> Text,
        leak_sha -> Text,
        overlay_sha -> Text,
    }
}

diesel::table! {
    variants (id) {
        id -> Integer,
        master_id -> Integer,
        parent_variant_id -> Nullable<Integer>,
        code -> Text,
        variable -> Text,
        value -> Text,
        operation -> Text,
        params -> Text,
        mask_sha -> Text,
        reference_sha -> Nullable<Text>,
        result_sha -> Nullable<Text>,
        status -> Text,
        job_id -> Nullable<Integer>,
        changed_outside_mask_px -> Nullable<BigInt>,
        changed_fraction -> Nullable<Double>,
        mask_fraction -> Nullable<Double>,
        delta_e -> Nullable<Double>,
        controlled -> Nullable<Bool>,
        audit_note -> Nullable<Text>,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        lightness_corr -> Nullable<Double>,
        gamut_mapped_px -> Nullable<BigInt>,
        format -> Nullable<Text>,
        format_of -> Nullable<Integer>,
        source_rect -> Nullable<Text>,
        canvas_sha -> Nullable<Text>,
        priming -> Nullable<Text>,
    }
}

diesel::table! {
    workspaces (id) {
        id -> Integer,
        name -> Text,
        slug -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(ad_mappings -> masters (master_id));
diesel::joinable!(ad_running_sums -> ads (ad_key));
diesel::joinable!(ad_mappings -> variants (variant_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(audit_log -> users (user_id));
diesel::joinable!(creative_days -> masters (master_id));
diesel::joinable!(creative_days -> variants (variant_id));
diesel::joinable!(experiment_arms -> experiments (experiment_id));
diesel::joinable!(experiment_arms -> variants (variant_id));
diesel::joinable!(experiments -> masters (master_id));
diesel::joinable!(experiment_grids -> experiments (experiment_id));
diesel::joinable!(experiment_grids -> grids (grid_id));
diesel::joinable!(grid_cells -> grids (grid_id));
diesel::joinable!(grid_cells -> variants (variant_id));
diesel::joinable!(grids -> masters (master_id));
diesel::joinable!(master_variables -> masters (master_id));
diesel::joinable!(import_uploads -> users (user_id));
diesel::joinable!(imports -> workspaces (workspace_id));
diesel::joinable!(jobs -> workspaces (workspace_id));
diesel::joinable!(mask_ceilings -> variants (variant_id));
diesel::joinable!(masters -> workspaces (workspace_id));
diesel::joinable!(performance_rows -> ads (ad_key));
diesel::joinable!(performance_rows -> imports (source_import_id));
diesel::joinable!(reviews -> variants (variant_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(users -> workspaces (workspace_id));
diesel::joinable!(variant_pictures -> variants (variant_id));
diesel::joinable!(variants -> masters (master_id));

diesel::allow_tables_to_appear_in_same_query!(
    ad_mappings,
    ad_running_sums,
    ads,
    api_tokens,
    audit_log,
    creative_days,
    demo_records,
    experiment_arms,
    experiments,
    experiment_grids,
    grid_cells,
    grids,
    import_uploads,
    imports,
    jobs,
    mask_ceilings,
    master_variables,
    masters,
    performance_rows,
    reviews,
    sessions,
    users,
    variant_pictures,
    variants,
    workspaces,
);
