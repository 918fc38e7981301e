WITH "t46" AS (
  SELECT
    "t44".*
    EXCLUDE ("_mproc_raw_right")
  FROM (
    SELECT
      "t43"."_cid",
      "t43"."_g",
      "t43"."_age",
      "t43"."_ad",
      "t43"."_w0",
      "t43"."_pdx_raw",
      "t43"."_dxs",
      "t43"."_mproc_raw",
      "t43"."_pxs",
      "t43"."_pdx",
      "t43"."_pdx_excl",
      "t43"."_pdx_region",
      "t38"."_mproc_raw" AS "_mproc_raw_right",
      "t38"."_mproc"
    FROM (
      SELECT
        "t41".*
        EXCLUDE ("_pdx_raw_right")
      FROM (
        SELECT
          "t40"."_cid",
          "t40"."_g",
          "t40"."_age",
          "t40"."_ad",
          "t40"."_w0",
          "t40"."_pdx_raw",
          "t40"."_dxs",
          "t40"."_mproc_raw",
          "t40"."_pxs",
          "t37"."_pdx_raw" AS "_pdx_raw_right",
          "t37"."_pdx",
          "t37"."_pdx_excl",
          "t37"."_pdx_region"
        FROM (
          SELECT
            "t0"."case_id" AS "_cid",
            CASE
              WHEN ISNAN(CAST("t0"."gend" AS DOUBLE))
              THEN CAST(NULL AS DOUBLE)
              ELSE CAST("t0"."gend" AS DOUBLE)
            END AS "_g",
            CASE WHEN ISNAN("t0"."age") THEN CAST(NULL AS DOUBLE) ELSE "t0"."age" END AS "_age",
            CASE WHEN ISNAN("t0"."age_days") THEN CAST(NULL AS DOUBLE) ELSE "t0"."age_days" END AS "_ad",
            CASE
              WHEN ISNAN("t0"."nwb_bir_wt")
              THEN CAST(NULL AS DOUBLE)
              ELSE "t0"."nwb_bir_wt"
            END AS "_w0",
            CASE
              WHEN (
                STRPOS(
                  REPLACE(
                    REPLACE(REPLACE(REPLACE("t0"."diag_codes", ' ', ''), '	', ''), '
', ''),
                    '',
                    ''
                  ),
                  '|'
                ) - 1
              ) >= 0
              THEN SUBSTRING(
                REPLACE(
                  REPLACE(REPLACE(REPLACE("t0"."diag_codes", ' ', ''), '	', ''), '
', ''),
                  '',
                  ''
                ),
                CASE
                  WHEN (
                    0 + 1
                  ) >= 1
                  THEN 0 + 1
                  ELSE 0 + 1 + LENGTH(
                    REPLACE(
                      REPLACE(REPLACE(REPLACE("t0"."diag_codes", ' ', ''), '	', ''), '
', ''),
                      '',
                      ''
                    )
                  )
                END,
                STRPOS(
                  REPLACE(
                    REPLACE(REPLACE(REPLACE("t0"."diag_codes", ' ', ''), '	', ''), '
', ''),
                    '',
                    ''
                  ),
                  '|'
                ) - 1
              )
              ELSE REPLACE(
                REPLACE(REPLACE(REPLACE("t0"."diag_codes", ' ', ''), '	', ''), '
', ''),
                '',
                ''
              )
            END AS "_pdx_raw",
            CASE
              WHEN (
                STRPOS(
                  REPLACE(
                    REPLACE(REPLACE(REPLACE("t0"."diag_codes", ' ', ''), '	', ''), '
', ''),
                    '',
                    ''
                  ),
                  '|'
                ) - 1
              ) >= 0
              THEN SUBSTRING(
                REPLACE(
                  REPLACE(REPLACE(REPLACE("t0"."diag_codes", ' ', ''), '	', ''), '
', ''),
                  '',
                  ''
                ),
                CASE
                  WHEN (
                    (
                      STRPOS(
                        REPLACE(
                          REPLACE(REPLACE(REPLACE("t0"."diag_codes", ' ', ''), '	', ''), '
', ''),
                          '',
                          ''
                        ),
                        '|'
                      ) - 1
                    ) + 1 + 1
                  ) >= 1
                  THEN (
                    STRPOS(
                      REPLACE(
                        REPLACE(REPLACE(REPLACE("t0"."diag_codes", ' ', ''), '	', ''), '
', ''),
                        '',
                        ''
                      ),
                      '|'
                    ) - 1
                  ) + 1 + 1
                  ELSE (
                    STRPOS(
                      REPLACE(
                        REPLACE(REPLACE(REPLACE("t0"."diag_codes", ' ', ''), '	', ''), '
', ''),
                        '',
                        ''
                      ),
                      '|'
                    ) - 1
                  ) + 1 + 1 + LENGTH(
                    REPLACE(
                      REPLACE(REPLACE(REPLACE("t0"."diag_codes", ' ', ''), '	', ''), '
', ''),
                      '',
                      ''
                    )
                  )
                END
              )
              ELSE ''
            END AS "_dxs",
            CASE
              WHEN (
                STRPOS(
                  REPLACE(
                    REPLACE(REPLACE(REPLACE("t0"."oprn_codes", ' ', ''), '	', ''), '
', ''),
                    '',
                    ''
                  ),
                  '|'
                ) - 1
              ) >= 0
              THEN SUBSTRING(
                REPLACE(
                  REPLACE(REPLACE(REPLACE("t0"."oprn_codes", ' ', ''), '	', ''), '
', ''),
                  '',
                  ''
                ),
                CASE
                  WHEN (
                    0 + 1
                  ) >= 1
                  THEN 0 + 1
                  ELSE 0 + 1 + LENGTH(
                    REPLACE(
                      REPLACE(REPLACE(REPLACE("t0"."oprn_codes", ' ', ''), '	', ''), '
', ''),
                      '',
                      ''
                    )
                  )
                END,
                STRPOS(
                  REPLACE(
                    REPLACE(REPLACE(REPLACE("t0"."oprn_codes", ' ', ''), '	', ''), '
', ''),
                    '',
                    ''
                  ),
                  '|'
                ) - 1
              )
              ELSE REPLACE(
                REPLACE(REPLACE(REPLACE("t0"."oprn_codes", ' ', ''), '	', ''), '
', ''),
                '',
                ''
              )
            END AS "_mproc_raw",
            REPLACE(
              REPLACE(REPLACE(REPLACE("t0"."oprn_codes", ' ', ''), '	', ''), '
', ''),
              '',
              ''
            ) AS "_pxs"
          FROM "cases" AS "t0"
        ) AS "t40"
        LEFT OUTER JOIN (
          SELECT
            "t7"."from_code" AS "_pdx_raw",
            "t7"."to_code" AS "_pdx",
            "t7"."p_excl" AS "_pdx_excl",
            "t7"."region" AS "_pdx_region"
          FROM "scheme_table_0" AS "t7"
        ) AS "t37"
          ON "t40"."_pdx_raw" = "t37"."_pdx_raw"
      ) AS "t41"
    ) AS "t43"
    LEFT OUTER JOIN (
      SELECT
        "t8"."from_code" AS "_mproc_raw",
        "t8"."to_code" AS "_mproc"
      FROM "scheme_table_1" AS "t8"
    ) AS "t38"
      ON "t43"."_mproc_raw" = "t38"."_mproc_raw"
  ) AS "t44"
), "t58" AS (
  SELECT
    "t56"."_cid",
    "t56"."_code",
    "t24"."from_code",
    "t24"."to_code",
    "t24"."is_or"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t47"."_cid",
        UNNEST(STR_SPLIT(REPLACE("t47"."_pxs", '|', ''), '')) AS "_code"
      FROM "t46" AS "t47"
    ) AS "t52"
    WHERE
      "t52"."_code" <> ''
  ) AS "t56"
  LEFT OUTER JOIN "scheme_table_1" AS "t24"
    ON "t56"."_code" = "t24"."from_code"
), "t65" AS (
  SELECT
    *
  FROM (
    SELECT
      "t47"."_cid",
      "t47"."_pdx" AS "to_code",
      "t47"."_pdx_region" AS "region",
      FALSE AS "_mcc",
      FALSE AS "_cc"
    FROM "t46" AS "t47"
    WHERE
      "t47"."_pdx_raw" <> ''
  ) AS "t49"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t55"."_cid",
      "t23"."to_code",
      "t23"."region",
      COALESCE((
        "t23"."mcc_excl" IS NOT NULL
      ) AND (
        "t23"."mcc_excl" <> ''
      ), FALSE)
      AND NOT (
        COALESCE(
          COALESCE((
            "t55"."_pdx_excl" IS NOT NULL
          ) AND (
            "t55"."_pdx_excl" <> ''
          ), FALSE)
          AND (
            "t23"."mcc_excl" = "t55"."_pdx_excl"
          ),
          FALSE
        )
      ) AS "_mcc",
      COALESCE((
        "t23"."cc_excl" IS NOT NULL
      ) AND (
        "t23"."cc_excl" <> ''
      ), FALSE)
      AND NOT (
        COALESCE(
          COALESCE((
            "t55"."_pdx_excl" IS NOT NULL
          ) AND (
            "t55"."_pdx_excl" <> ''
          ), FALSE)
          AND (
            "t23"."cc_excl" = "t55"."_pdx_excl"
          ),
          FALSE
        )
      ) AS "_cc"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t47"."_cid",
          "t47"."_pdx_excl",
          UNNEST(STR_SPLIT(REPLACE("t47"."_dxs", '|', ''), '')) AS "_code"
        FROM "t46" AS "t47"
      ) AS "t51"
      WHERE
        "t51"."_code" <> ''
    ) AS "t55"
    LEFT OUTER JOIN "scheme_table_0" AS "t23"
      ON "t55"."_code" = "t23"."from_code"
  ) AS "t61"
), "t90" AS (
  SELECT
    "t88"."_cid",
    "t88"."_g",
    "t88"."_age",
    "t88"."_ad",
    "t88"."_w0",
    "t88"."_pdx_raw",
    "t88"."_mproc_raw",
    "t88"."_pdx",
    "t88"."_pdx_excl",
    "t88"."_pdx_region",
    "t88"."_mproc",
    "t88"."_ndx",
    "t88"."_bad_dx",
    "t88"."_has_mcc",
    "t88"."_has_cc",
    "t88"."_nproc",
    "t88"."_bad_px",
    "t88"."_has_or",
    "t88"."_regions",
    "t88"."_sex",
    "t88"."_w",
    0 + CASE WHEN COALESCE("t88"."_age" = 0, FALSE) THEN 1 ELSE 0 END + CASE WHEN COALESCE("t88"."_regions" >= 2, FALSE) THEN 2 ELSE 0 END + CASE WHEN "t88"."_sex" = 1 THEN 4 ELSE 0 END + CASE WHEN "t88"."_sex" = 2 THEN 8 ELSE 0 END + CASE WHEN COALESCE("t88"."_ad" <= 28, FALSE) THEN 16 ELSE 0 END + CASE WHEN COALESCE("t88"."_w" < 1500, FALSE) THEN 32 ELSE 0 END + CASE WHEN "t88"."_w" IS NOT NULL THEN 64 ELSE 0 END + CASE WHEN COALESCE("t88"."_w" < 2000, FALSE) THEN 128 ELSE 0 END + CASE WHEN COALESCE("t88"."_w" >= 1500, FALSE) THEN 256 ELSE 0 END + CASE WHEN COALESCE("t88"."_w" < 2500, FALSE) THEN 512 ELSE 0 END + CASE WHEN COALESCE("t88"."_w" >= 2000, FALSE) THEN 1024 ELSE 0 END + CASE WHEN COALESCE("t88"."_w" >= 2500, FALSE) THEN 2048 ELSE 0 END + CASE WHEN NOT (
      "t88"."_has_or"
    ) THEN 4096 ELSE 0 END AS "_mask"
  FROM (
    SELECT
      "t87"."_cid",
      "t87"."_g",
      "t87"."_age",
      "t87"."_ad",
      "t87"."_w0",
      "t87"."_pdx_raw",
      "t87"."_mproc_raw",
      "t87"."_pdx",
      "t87"."_pdx_excl",
      "t87"."_pdx_region",
      "t87"."_mproc",
      "t87"."_ndx",
      COALESCE("t87"."_bad_dx", FALSE) AS "_bad_dx",
      COALESCE("t87"."_has_mcc", FALSE) AS "_has_mcc",
      COALESCE("t87"."_has_cc", FALSE) AS "_has_cc",
      "t87"."_nproc",
      COALESCE(
        COALESCE("t87"."_bad_px", FALSE)
        OR (
          (
            "t87"."_mproc_raw" = ''
          ) AND (
            COALESCE("t87"."_nproc", 0) > 0
          )
        ),
        FALSE
      ) AS "_bad_px",
      COALESCE("t87"."_has_or", FALSE) AS "_has_or",
      COALESCE("t87"."_regions", 0) AS "_regions",
      CASE
        WHEN "t87"."_g" = 1
        THEN 1
        WHEN "t87"."_g" = 2
        THEN 2
        ELSE CAST(NULL AS BIGINT)
      END AS "_sex",
      CASE WHEN "t87"."_w0" > 0 THEN "t87"."_w0" ELSE CAST(NULL AS DOUBLE) END AS "_w"
    FROM (
      SELECT
        "t86".*
        EXCLUDE ("_cid_right")
      FROM (
        SELECT
          "t85"."_cid",
          "t85"."_g",
          "t85"."_age",
          "t85"."_ad",
          "t85"."_w0",
          "t85"."_pdx_raw",
          "t85"."_mproc_raw",
          "t85"."_pdx",
          "t85"."_pdx_excl",
          "t85"."_pdx_region",
          "t85"."_mproc",
          "t85"."_ndx",
          "t85"."_bad_dx",
          "t85"."_has_mcc",
          "t85"."_has_cc",
          "t85"."_nproc",
          "t85"."_bad_px",
          "t85"."_has_or",
          "t77"."_cid" AS "_cid_right",
          "t77"."_regions"
        FROM (
          SELECT
            "t83".*
            EXCLUDE ("_cid_right")
          FROM (
            SELECT
              "t82"."_cid",
              "t82"."_g",
              "t82"."_age",
              "t82"."_ad",
              "t82"."_w0",
              "t82"."_pdx_raw",
              "t82"."_mproc_raw",
              "t82"."_pdx",
              "t82"."_pdx_excl",
              "t82"."_pdx_region",
              "t82"."_mproc",
              "t82"."_ndx",
              "t82"."_bad_dx",
              "t82"."_has_mcc",
              "t82"."_has_cc",
              "t66"."_cid" AS "_cid_right",
              "t66"."_nproc",
              "t66"."_bad_px",
              "t66"."_has_or"
            FROM (
              SELECT
                "t78".*
                EXCLUDE ("_cid_right")
              FROM (
                SELECT
                  "t50"."_cid",
                  "t50"."_g",
                  "t50"."_age",
                  "t50"."_ad",
                  "t50"."_w0",
                  "t50"."_pdx_raw",
                  "t50"."_mproc_raw",
                  "t50"."_pdx",
                  "t50"."_pdx_excl",
                  "t50"."_pdx_region",
                  "t50"."_mproc",
                  "t74"."_cid" AS "_cid_right",
                  "t74"."_ndx",
                  "t74"."_bad_dx",
                  "t74"."_has_mcc",
                  "t74"."_has_cc"
                FROM (
                  SELECT
                    "t47"."_cid",
                    "t47"."_g",
                    "t47"."_age",
                    "t47"."_ad",
                    "t47"."_w0",
                    "t47"."_pdx_raw",
                    "t47"."_mproc_raw",
                    "t47"."_pdx",
                    "t47"."_pdx_excl",
                    "t47"."_pdx_region",
                    "t47"."_mproc"
                  FROM "t46" AS "t47"
                ) AS "t50"
                LEFT OUTER JOIN (
                  SELECT
                    "t67"."_cid",
                    COUNT(*) AS "_ndx",
                    BOOL_OR("t67"."to_code" IS NULL) AS "_bad_dx",
                    BOOL_OR("t67"."_mcc") AS "_has_mcc",
                    BOOL_OR("t67"."_cc") AS "_has_cc"
                  FROM "t65" AS "t67"
                  GROUP BY
                    1
                ) AS "t74"
                  ON "t50"."_cid" = "t74"."_cid"
              ) AS "t78"
            ) AS "t82"
            LEFT OUTER JOIN (
              SELECT
                "t59"."_cid",
                COUNT(*) AS "_nproc",
                BOOL_OR("t59"."to_code" IS NULL) AS "_bad_px",
                BOOL_OR(COALESCE("t59"."is_or", FALSE)) AS "_has_or"
              FROM "t58" AS "t59"
              GROUP BY
                1
            ) AS "t66"
              ON "t82"."_cid" = "t66"."_cid"
          ) AS "t83"
        ) AS "t85"
        LEFT OUTER JOIN (
          SELECT
            "t73"."_cid",
            COUNT(*) AS "_regions"
          FROM (
            SELECT DISTINCT
              "t67"."_cid",
              "t67"."region"
            FROM "t65" AS "t67"
            WHERE
              COALESCE((
                "t67"."region" IS NOT NULL
              ) AND (
                "t67"."region" <> ''
              ), FALSE)
          ) AS "t73"
          GROUP BY
            1
        ) AS "t77"
          ON "t85"."_cid" = "t77"."_cid"
      ) AS "t86"
    ) AS "t87"
  ) AS "t88"
), "t93" AS (
  SELECT
    "t91"."_cid",
    "t91"."_mask"
  FROM "t90" AS "t91"
), "t117" AS (
  SELECT
    *
  FROM (
    SELECT
      "t106"."_cid",
      "t21"."ord",
      "t21"."mdc",
      "t21"."mask"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t97"."_cid",
            "t28"."atom"
          FROM (
            SELECT
              "t91"."_cid",
              "t91"."_pdx" AS "code"
            FROM "t90" AS "t91"
          ) AS "t97"
          INNER JOIN "scheme_table_2" AS "t28"
            ON "t97"."code" = "t28"."code"
        ) AS "t101"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            "t98"."_cid",
            "t29"."atom"
          FROM (
            SELECT
              "t91"."_cid",
              "t91"."_mproc" AS "code"
            FROM "t90" AS "t91"
          ) AS "t98"
          INNER JOIN "scheme_table_3" AS "t29"
            ON "t98"."code" = "t29"."code"
        ) AS "t102"
      ) AS "t103"
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT DISTINCT
            *
          FROM (
            SELECT
              "t70"."_cid",
              "t30"."atom"
            FROM (
              SELECT
                "t67"."_cid",
                "t67"."to_code" AS "code"
              FROM "t65" AS "t67"
            ) AS "t70"
            INNER JOIN "scheme_table_4" AS "t30"
              ON "t70"."code" = "t30"."code"
          ) AS "t76"
        ) AS "t79"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT DISTINCT
            *
          FROM (
            SELECT
              "t62"."_cid",
              "t31"."atom"
            FROM (
              SELECT
                "t59"."_cid",
                "t59"."to_code" AS "code"
              FROM "t58" AS "t59"
            ) AS "t62"
            INNER JOIN "scheme_table_5" AS "t31"
              ON "t62"."code" = "t31"."code"
          ) AS "t68"
        ) AS "t71"
      ) AS "t81"
    ) AS "t106"
    INNER JOIN "scheme_table_6" AS "t21"
      ON "t106"."atom" = "t21"."atom"
  ) AS "t107"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t113"."_cid",
      "t22"."ord",
      "t22"."mdc",
      "t22"."mask"
    FROM (
      SELECT
        "t108"."_cid",
        "t108"."conj",
        COUNT(*) AS "_n"
      FROM (
        SELECT
          "t106"."_cid",
          "t106"."atom",
          "t25"."conj"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              *
            FROM (
              SELECT
                "t97"."_cid",
                "t28"."atom"
              FROM (
                SELECT
                  "t91"."_cid",
                  "t91"."_pdx" AS "code"
                FROM "t90" AS "t91"
              ) AS "t97"
              INNER JOIN "scheme_table_2" AS "t28"
                ON "t97"."code" = "t28"."code"
            ) AS "t101"
            UNION ALL
            SELECT
              *
            FROM (
              SELECT
                "t98"."_cid",
                "t29"."atom"
              FROM (
                SELECT
                  "t91"."_cid",
                  "t91"."_mproc" AS "code"
                FROM "t90" AS "t91"
              ) AS "t98"
              INNER JOIN "scheme_table_3" AS "t29"
                ON "t98"."code" = "t29"."code"
            ) AS "t102"
          ) AS "t103"
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              *
            FROM (
              SELECT DISTINCT
                *
              FROM (
                SELECT
                  "t70"."_cid",
                  "t30"."atom"
                FROM (
                  SELECT
                    "t67"."_cid",
                    "t67"."to_code" AS "code"
                  FROM "t65" AS "t67"
                ) AS "t70"
                INNER JOIN "scheme_table_4" AS "t30"
                  ON "t70"."code" = "t30"."code"
              ) AS "t76"
            ) AS "t79"
            UNION ALL
            SELECT
              *
            FROM (
              SELECT DISTINCT
                *
              FROM (
                SELECT
                  "t62"."_cid",
                  "t31"."atom"
                FROM (
                  SELECT
                    "t59"."_cid",
                    "t59"."to_code" AS "code"
                  FROM "t58" AS "t59"
                ) AS "t62"
                INNER JOIN "scheme_table_5" AS "t31"
                  ON "t62"."code" = "t31"."code"
              ) AS "t68"
            ) AS "t71"
          ) AS "t81"
        ) AS "t106"
        INNER JOIN "scheme_table_7" AS "t25"
          ON "t106"."atom" = "t25"."atom"
      ) AS "t108"
      GROUP BY
        1,
        2
    ) AS "t113"
    INNER JOIN "scheme_table_8" AS "t22"
      ON "t113"."conj" = "t22"."conj" AND "t113"."_n" = "t22"."n"
  ) AS "t115"
), "t118" AS (
  SELECT
    *
  FROM (
    SELECT
      "t106"."_cid",
      "t26"."mdc",
      "t26"."mask"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t97"."_cid",
            "t28"."atom"
          FROM (
            SELECT
              "t91"."_cid",
              "t91"."_pdx" AS "code"
            FROM "t90" AS "t91"
          ) AS "t97"
          INNER JOIN "scheme_table_2" AS "t28"
            ON "t97"."code" = "t28"."code"
        ) AS "t101"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            "t98"."_cid",
            "t29"."atom"
          FROM (
            SELECT
              "t91"."_cid",
              "t91"."_mproc" AS "code"
            FROM "t90" AS "t91"
          ) AS "t98"
          INNER JOIN "scheme_table_3" AS "t29"
            ON "t98"."code" = "t29"."code"
        ) AS "t102"
      ) AS "t103"
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT DISTINCT
            *
          FROM (
            SELECT
              "t70"."_cid",
              "t30"."atom"
            FROM (
              SELECT
                "t67"."_cid",
                "t67"."to_code" AS "code"
              FROM "t65" AS "t67"
            ) AS "t70"
            INNER JOIN "scheme_table_4" AS "t30"
              ON "t70"."code" = "t30"."code"
          ) AS "t76"
        ) AS "t79"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT DISTINCT
            *
          FROM (
            SELECT
              "t62"."_cid",
              "t31"."atom"
            FROM (
              SELECT
                "t59"."_cid",
                "t59"."to_code" AS "code"
              FROM "t58" AS "t59"
            ) AS "t62"
            INNER JOIN "scheme_table_5" AS "t31"
              ON "t62"."code" = "t31"."code"
          ) AS "t68"
        ) AS "t71"
      ) AS "t81"
    ) AS "t106"
    INNER JOIN "scheme_table_9" AS "t26"
      ON "t106"."atom" = "t26"."atom"
  ) AS "t109"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t114"."_cid",
      "t27"."mdc",
      "t27"."mask"
    FROM (
      SELECT
        "t110"."_cid",
        "t110"."conj",
        COUNT(*) AS "_n"
      FROM (
        SELECT
          "t106"."_cid",
          "t106"."atom",
          "t32"."conj"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              *
            FROM (
              SELECT
                "t97"."_cid",
                "t28"."atom"
              FROM (
                SELECT
                  "t91"."_cid",
                  "t91"."_pdx" AS "code"
                FROM "t90" AS "t91"
              ) AS "t97"
              INNER JOIN "scheme_table_2" AS "t28"
                ON "t97"."code" = "t28"."code"
            ) AS "t101"
            UNION ALL
            SELECT
              *
            FROM (
              SELECT
                "t98"."_cid",
                "t29"."atom"
              FROM (
                SELECT
                  "t91"."_cid",
                  "t91"."_mproc" AS "code"
                FROM "t90" AS "t91"
              ) AS "t98"
              INNER JOIN "scheme_table_3" AS "t29"
                ON "t98"."code" = "t29"."code"
            ) AS "t102"
          ) AS "t103"
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              *
            FROM (
              SELECT DISTINCT
                *
              FROM (
                SELECT
                  "t70"."_cid",
                  "t30"."atom"
                FROM (
                  SELECT
                    "t67"."_cid",
                    "t67"."to_code" AS "code"
                  FROM "t65" AS "t67"
                ) AS "t70"
                INNER JOIN "scheme_table_4" AS "t30"
                  ON "t70"."code" = "t30"."code"
              ) AS "t76"
            ) AS "t79"
            UNION ALL
            SELECT
              *
            FROM (
              SELECT DISTINCT
                *
              FROM (
                SELECT
                  "t62"."_cid",
                  "t31"."atom"
                FROM (
                  SELECT
                    "t59"."_cid",
                    "t59"."to_code" AS "code"
                  FROM "t58" AS "t59"
                ) AS "t62"
                INNER JOIN "scheme_table_5" AS "t31"
                  ON "t62"."code" = "t31"."code"
              ) AS "t68"
            ) AS "t71"
          ) AS "t81"
        ) AS "t106"
        INNER JOIN "scheme_table_10" AS "t32"
          ON "t106"."atom" = "t32"."atom"
      ) AS "t110"
      GROUP BY
        1,
        2
    ) AS "t114"
    INNER JOIN "scheme_table_11" AS "t27"
      ON "t114"."conj" = "t27"."conj" AND "t114"."_n" = "t27"."n"
  ) AS "t116"
), "t134" AS (
  SELECT DISTINCT
    *
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t120"."_cid",
        "t120"."mdc"
      FROM "t118" AS "t120"
      WHERE
        "t120"."mask" = 0
    ) AS "t123"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t128"."_cid",
        "t128"."mdc"
      FROM (
        SELECT
          "t126"."_cid",
          "t126"."mdc",
          "t126"."mask",
          "t100"."_mask"
        FROM (
          SELECT
            *
          FROM "t118" AS "t120"
          WHERE
            "t120"."mask" <> 0
        ) AS "t126"
        INNER JOIN "t93" AS "t100"
          ON "t126"."_cid" = "t100"."_cid"
      ) AS "t128"
      WHERE
        (
          "t128"."mask" & "t128"."_mask"
        ) = "t128"."mask"
    ) AS "t130"
  ) AS "t132"
)
SELECT
  "t36"."case_id",
  "t36"."gend",
  "t36"."age",
  "t36"."age_days",
  "t36"."nwb_bir_wt",
  "t36"."ipt_days",
  "t36"."dscg_way",
  "t36"."diag_codes",
  "t36"."oprn_codes",
  "t153"."mdc",
  "t153"."adrg",
  "t153"."drg",
  "t153"."status"
FROM (
  SELECT
    *
  FROM "cases" AS "t0"
) AS "t36"
LEFT OUTER JOIN (
  SELECT
    "t151"."_cid",
    CASE WHEN "t151"."status" = 'grouped' THEN "t151"."_mdc" ELSE CAST(NULL AS TEXT) END AS "mdc",
    CASE
      WHEN "t151"."status" = 'grouped'
      THEN "t151"."_adrg"
      ELSE CAST(NULL AS TEXT)
    END AS "adrg",
    CASE WHEN "t151"."status" = 'grouped' THEN "t151"."drg" ELSE '0000' END AS "drg",
    "t151"."status"
  FROM (
    SELECT
      "t150"."_cid",
      "t150"."_g",
      "t150"."_age",
      "t150"."_ad",
      "t150"."_w0",
      "t150"."_pdx_raw",
      "t150"."_mproc_raw",
      "t150"."_pdx",
      "t150"."_pdx_excl",
      "t150"."_pdx_region",
      "t150"."_mproc",
      "t150"."_ndx",
      "t150"."_bad_dx",
      "t150"."_has_mcc",
      "t150"."_has_cc",
      "t150"."_nproc",
      "t150"."_bad_px",
      "t150"."_has_or",
      "t150"."_regions",
      "t150"."_sex",
      "t150"."_w",
      "t150"."_mask",
      "t150"."_mdc",
      "t150"."_adrg",
      "t150"."adrg",
      "t150"."has_mcc",
      "t150"."has_cc",
      "t150"."drg",
      "t150"."code",
      "t150"."male",
      "t150"."female",
      CASE
        WHEN "t150"."_sex" IS NULL
        THEN 'invalid_sex'
        WHEN (
          "t150"."_age" IS NULL
        ) OR (
          "t150"."_age" < 0
        )
        THEN 'invalid_age'
        WHEN COALESCE("t150"."_ad" < 0, FALSE)
        OR (
          (
            "t150"."_age" = 0
          ) AND (
            "t150"."_ad" IS NULL
          )
        )
        THEN 'invalid_age_days'
        WHEN (
          "t150"."_age" = 0
        )
        AND COALESCE("t150"."_ad" <= 28, FALSE)
        AND (
          "t150"."_w" IS NULL
        )
        THEN 'invalid_birth_weight'
        WHEN (
          "t150"."_pdx_raw" IS NULL
        ) OR (
          "t150"."_pdx_raw" = ''
        )
        THEN 'no_diagnosis'
        WHEN "t150"."_bad_dx"
        THEN 'bad_diagnosis'
        WHEN "t150"."_bad_px"
        THEN 'bad_procedure'
        WHEN "t150"."_adrg" IS NOT NULL
        THEN 'grouped'
        WHEN COALESCE(CASE WHEN "t150"."_sex" = 1 THEN "t150"."female" ELSE "t150"."male" END, FALSE)
        AND NOT (
          COALESCE(CASE WHEN "t150"."_sex" = 1 THEN "t150"."male" ELSE "t150"."female" END, FALSE)
        )
        THEN 'sex_mismatch'
        ELSE 'ungroupable'
      END AS "status"
    FROM (
      SELECT
        "t149"."_cid",
        "t149"."_g",
        "t149"."_age",
        "t149"."_ad",
        "t149"."_w0",
        "t149"."_pdx_raw",
        "t149"."_mproc_raw",
        "t149"."_pdx",
        "t149"."_pdx_excl",
        "t149"."_pdx_region",
        "t149"."_mproc",
        "t149"."_ndx",
        "t149"."_bad_dx",
        "t149"."_has_mcc",
        "t149"."_has_cc",
        "t149"."_nproc",
        "t149"."_bad_px",
        "t149"."_has_or",
        "t149"."_regions",
        "t149"."_sex",
        "t149"."_w",
        "t149"."_mask",
        "t149"."_mdc",
        "t149"."_adrg",
        "t17"."adrg",
        "t17"."has_mcc",
        "t17"."has_cc",
        "t17"."drg",
        "t18"."code",
        "t18"."male",
        "t18"."female"
      FROM (
        SELECT
          "t147".*
          EXCLUDE ("_cid_right")
        FROM (
          SELECT
            "t92"."_cid",
            "t92"."_g",
            "t92"."_age",
            "t92"."_ad",
            "t92"."_w0",
            "t92"."_pdx_raw",
            "t92"."_mproc_raw",
            "t92"."_pdx",
            "t92"."_pdx_excl",
            "t92"."_pdx_region",
            "t92"."_mproc",
            "t92"."_ndx",
            "t92"."_bad_dx",
            "t92"."_has_mcc",
            "t92"."_has_cc",
            "t92"."_nproc",
            "t92"."_bad_px",
            "t92"."_has_or",
            "t92"."_regions",
            "t92"."_sex",
            "t92"."_w",
            "t92"."_mask",
            "t146"."_cid" AS "_cid_right",
            "t146"."_mdc",
            "t146"."_adrg"
          FROM "t90" AS "t92"
          LEFT OUTER JOIN (
            SELECT
              "t144"."_cid",
              "t19"."mdc" AS "_mdc",
              "t19"."adrg" AS "_adrg"
            FROM (
              SELECT
                "t142"."_cid",
                MIN("t142"."ord") AS "ord"
              FROM (
                SELECT
                  "t141"."_cid",
                  "t141"."ord",
                  "t141"."mdc"
                FROM (
                  SELECT
                    *
                  FROM (
                    SELECT
                      *
                    FROM (
                      SELECT
                        "t119"."_cid",
                        "t119"."ord",
                        "t119"."mdc"
                      FROM "t117" AS "t119"
                      WHERE
                        "t119"."mask" = 0
                    ) AS "t121"
                    UNION ALL
                    SELECT
                      *
                    FROM (
                      SELECT
                        "t127"."_cid",
                        "t127"."ord",
                        "t127"."mdc"
                      FROM (
                        SELECT
                          "t125"."_cid",
                          "t125"."ord",
                          "t125"."mdc",
                          "t125"."mask",
                          "t100"."_mask"
                        FROM (
                          SELECT
                            *
                          FROM "t117" AS "t119"
                          WHERE
                            "t119"."mask" <> 0
                        ) AS "t125"
                        INNER JOIN "t93" AS "t100"
                          ON "t125"."_cid" = "t100"."_cid"
                      ) AS "t127"
                      WHERE
                        (
                          "t127"."mask" & "t127"."_mask"
                        ) = "t127"."mask"
                    ) AS "t129"
                  ) AS "t131"
                  UNION ALL
                  SELECT
                    *
                  FROM (
                    SELECT
                      "t138"."_cid",
                      "t138"."ord",
                      "t138"."mdc"
                    FROM (
                      SELECT
                        "t137"."_cid",
                        "t137"."mdc",
                        "t20"."conj",
                        "t20"."ord",
                        "t20"."mask",
                        "t99"."_mask"
                      FROM "t134" AS "t137"
                      INNER JOIN "scheme_table_12" AS "t20"
                        ON "t137"."mdc" = "t20"."mdc"
                      INNER JOIN "t93" AS "t99"
                        ON "t137"."_cid" = "t99"."_cid"
                    ) AS "t138"
                    WHERE
                      (
                        "t138"."mask" & "t138"."_mask"
                      ) = "t138"."mask"
                  ) AS "t139"
                ) AS "t141"
                INNER JOIN "t134" AS "t136"
                  ON "t141"."_cid" = "t136"."_cid" AND "t141"."mdc" = "t136"."mdc"
              ) AS "t142"
              GROUP BY
                1
            ) AS "t144"
            INNER JOIN "scheme_table_13" AS "t19"
              ON "t144"."ord" = "t19"."ord"
          ) AS "t146"
            ON "t92"."_cid" = "t146"."_cid"
        ) AS "t147"
      ) AS "t149"
      LEFT OUTER JOIN "scheme_table_14" AS "t17"
        ON "t149"."_adrg" = "t17"."adrg"
        AND "t149"."_has_mcc" = "t17"."has_mcc"
        AND "t149"."_has_cc" = "t17"."has_cc"
      LEFT OUTER JOIN "scheme_table_15" AS "t18"
        ON "t149"."_pdx" = "t18"."code"
    ) AS "t150"
  ) AS "t151"
) AS "t153"
  ON "t36"."case_id" = "t153"."_cid"