//! Rendering results into HTML and PNG: the page's structure and each chart's SVG as insta
//! snapshots, the PNGs decoded and checked for size and content.

use analyzer::units::Architecture;
use reports::charts::concurrency::ConcurrencyCurve;
use reports::{Extras, Report};

use crate::fixtures;

/// The page with each inline chart replaced by a marker: the charts have their own snapshots.
fn without_svgs(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        out.push_str(&rest[..start]);
        let end =
            rest[start..].find("</svg>").expect("every svg is closed") + start + "</svg>".len();
        out.push_str("<svg>[chart]</svg>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The `<svg>` element of the figure with id `chart-<stem>`.
fn figure_svg<'a>(html: &'a str, stem: &str) -> &'a str {
    let figure = html
        .find(&format!("<figure id=\"chart-{stem}\">"))
        .unwrap_or_else(|| panic!("no figure {stem}"));
    let start = html[figure..].find("<svg").unwrap() + figure;
    let end = html[start..].find("</svg>").unwrap() + start + "</svg>".len();
    &html[start..end]
}

fn decoded(png: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .expect("a valid PNG")
        .to_rgb8()
}

/// Figures as the analyzer computes them for 10 provisioned environments of 1024 MB on
/// x86_64 in us-east-1, at 35% utilization.
fn concurrency_curve() -> ConcurrencyCurve {
    use analyzer::concurrency::{
        ConcurrencyFigures, ConcurrencyPrices, Figure, ProvisionedFigures,
    };
    let figure = |name: &str, value: f64, unit: &str| Figure {
        name: name.to_owned(),
        value,
        unit: unit.to_owned(),
        formula: String::new(),
    };
    let prices = ConcurrencyPrices {
        on_demand_usd_per_gb_second: 0.000_016_666_7,
        provisioned_usd_per_gb_second: 0.000_004_166_7,
        provisioned_duration_usd_per_gb_second: 0.000_009_722_2,
        request_usd: 0.000_000_2,
    };
    let figures = ConcurrencyFigures {
        key: fixtures::small_tuning_result().configurations[2].key,
        region: "us-east-1".to_owned(),
        needed: Vec::new(),
        reserved: None,
        provisioned: ProvisionedFigures {
            provisioned_concurrency: figure("provisioned concurrency", 10.0, "environments"),
            cold_starts_removed_share: figure("cold starts removed", 0.9, "fraction"),
            cold_starts_removed_per_month: figure("cold starts removed", 1000.0, "per month"),
            on_demand_monthly_usd: figure("on demand", 153.3, "USD/month"),
            with_provisioned_monthly_usd: figure("with provisioned", 199.1, "USD/month"),
            extra_monthly_usd: figure("extra", 45.8, "USD/month"),
            utilization: figure("utilization", 0.35, "fraction"),
            break_even_utilization: figure("break-even utilization", 0.6, "fraction"),
        },
        warnings: Vec::new(),
    };
    ConcurrencyCurve::from_figures(&figures, &prices, analyzer::concurrency::HOURS_PER_MONTH)
}

#[test]
fn html_structure_matches_the_snapshot() {
    let report = reports::render(&fixtures::small_tuning_result()).unwrap();
    insta::assert_snapshot!("tuning_report_html", without_svgs(&report.html));
}

#[test]
fn each_chart_svg_matches_its_snapshot() {
    let report = reports::render(&fixtures::small_tuning_result()).unwrap();
    for stem in ["cost-duration", "distribution", "pareto", "init-duration"] {
        insta::assert_snapshot!(format!("svg_{stem}"), figure_svg(&report.html, stem));
    }
}

#[test]
fn report_lists_one_png_per_chart_in_page_order() {
    let report = reports::render(&fixtures::small_tuning_result()).unwrap();
    let listing: Vec<serde_json::Value> = report
        .pngs
        .iter()
        .map(|(name, png)| {
            let image = decoded(png);
            serde_json::json!({
                "file": name,
                "width_px": image.width(),
                "height_px": image.height(),
                "bytes": png.len(),
            })
        })
        .collect();
    insta::assert_json_snapshot!("tuning_report_pngs", listing, {
        "[].bytes" => "[bytes]",
    });
}

#[test]
fn pngs_decode_at_their_size_and_are_not_blank() {
    let Report { pngs, .. } = reports::render(&fixtures::small_tuning_result()).unwrap();
    assert_eq!(pngs.len(), 4);
    for (name, png) in &pngs {
        let image = decoded(png);
        assert_eq!(image.width(), 1000, "{name}");
        assert!(image.height() >= 600, "{name}");
        let mut colours: Vec<[u8; 3]> = image.pixels().map(|p| p.0).collect();
        let total = colours.len();
        let non_white = colours.iter().filter(|c| **c != [255, 255, 255]).count();
        colours.sort_unstable();
        colours.dedup();
        assert!(
            colours.len() >= 8,
            "{name} has only {} colours",
            colours.len()
        );
        // Text, axes and series cover a visible share of the image.
        assert!(
            non_white * 50 > total,
            "{name} is almost blank: {non_white} of {total}"
        );
        // Both architecture colours appear (text is anti-aliased, series are solid).
        for arch_rgb in [[31, 119, 180], [230, 110, 10]] {
            assert!(colours.contains(&arch_rgb), "{name} lacks {arch_rgb:?}");
        }
    }
}

#[test]
fn hostile_function_name_is_escaped_everywhere() {
    let name = "<script>alert(1)</script>";
    let result = fixtures::tuning_result_named(name, &Architecture::ALL, &[512, 1024], 10);
    let html = reports::render(&result).unwrap().html;
    assert!(!html.contains(name));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
}

#[test]
fn page_references_nothing_outside_itself() {
    let report = reports::render(&fixtures::small_tuning_result()).unwrap();
    let html = &report.html;
    for forbidden in [
        "src=", "url(", "@import", "https://", "<link", "<img", "<iframe",
    ] {
        assert!(!html.contains(forbidden), "found {forbidden}");
    }
    // Links (not loads) go only to the report's own PNGs, written beside the page.
    let links = hrefs(html);
    let pngs: Vec<&str> = report.pngs.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(links, pngs);
    // The only URL is the SVG namespace name, which is never fetched.
    let urls: Vec<&str> = html
        .match_indices("http://")
        .map(|(i, _)| &html[i..i + 26])
        .collect();
    assert!(
        urls.iter()
            .all(|u| u.starts_with("http://www.w3.org/2000/svg")),
        "{urls:?}"
    );
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;;"
    ));
}

/// Every `href` of a page, in order.
fn hrefs(html: &str) -> Vec<&str> {
    html.match_indices("href=\"")
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn issue_20_each_kind_names_its_files_one_way_and_links_exactly_those() {
    let tuning = reports::render(&fixtures::small_tuning_result()).unwrap();
    assert_eq!(tuning.html_file_name(), "report.html");
    let coldstart = reports::render_coldstart(&fixtures::coldstart_result(
        "checkout",
        &[(512, Architecture::X86_64), (1024, Architecture::X86_64)],
        12,
    ))
    .unwrap();
    assert_eq!(coldstart.html_file_name(), "coldstart.html");
    for (report, prefix) in [(&tuning, ""), (&coldstart, "coldstart-")] {
        let names: Vec<&str> = report.pngs.iter().map(|(n, _)| n.as_str()).collect();
        assert!(!names.is_empty());
        assert!(
            names
                .iter()
                .all(|n| n.starts_with(prefix) && n.ends_with(".png")),
            "{names:?}"
        );
        assert_eq!(hrefs(&report.html), names);
    }
    // The two kinds can share a folder: no file name in common.
    assert!(
        tuning
            .pngs
            .iter()
            .all(|(n, _)| coldstart.pngs.iter().all(|(m, _)| m != n))
    );
}

#[test]
fn issue_20_every_chart_names_the_function_region_and_date() {
    let result = fixtures::small_tuning_result();
    let report = reports::render(&result).unwrap();
    let subject = reports::charts::Subject::of(&result.function, &result.environment).line();
    assert!(subject.contains(&result.function.name), "{subject}");
    assert!(subject.contains(&result.environment.region), "{subject}");
    for (name, _) in &report.pngs {
        let stem = name.trim_end_matches(".png");
        let svg = figure_svg(&report.html, stem);
        assert!(
            svg.contains(&subject.replace('·', "&#183;")) || svg.contains(&subject),
            "{stem}: {svg:.400}"
        );
    }
}

#[test]
fn issue_20_the_tuning_report_charts_cold_starts_per_configuration() {
    let result = fixtures::small_tuning_result();
    let report = reports::render(&result).unwrap();
    let svg = figure_svg(&report.html, "init-duration");
    for config in &result.configurations {
        let label = format!(
            "{} MB {} (1 cold start)",
            config.key.memory_mb.get(),
            config.key.architecture
        );
        assert!(svg.contains(&label), "no line for {label}");
    }
    assert!(!svg.contains("all memory sizes"));
}

#[test]
fn table_lists_every_configuration_without_javascript() {
    let result = fixtures::small_tuning_result();
    let html = reports::render(&result).unwrap().html;
    let table_start = html.find("id=\"configurations-table\"").unwrap();
    let table = &html[table_start..html[table_start..].find("</table>").unwrap() + table_start];
    assert_eq!(
        table.matches("<tr").count(),
        1 + result.configurations.len()
    );
    for config in &result.configurations {
        assert!(table.contains(&format!("{:.2}</td>", config.duration.trimmed_mean)));
    }
}

#[test]
fn verdict_names_the_input_strategy_pick_first() {
    let result = fixtures::small_tuning_result();
    let html = reports::render(&result).unwrap().html;
    let pick = &result.recommendations.overall[0];
    let verdict_at = html.find("id=\"verdict\"").unwrap();
    assert!(
        verdict_at < html.find("<figure").unwrap(),
        "the verdict comes before the charts"
    );
    let verdict = &html[verdict_at..verdict_at + html[verdict_at..].find("</p>").unwrap()];
    assert!(
        verdict.contains(&format!(
            "{} MB on {}",
            pick.key.memory_mb.get(),
            pick.key.architecture
        )),
        "{verdict}"
    );
    assert!(verdict.contains("cost strategy"), "{verdict}");
}

#[test]
fn warnings_are_shown() {
    let html = reports::render(&fixtures::small_tuning_result())
        .unwrap()
        .html;
    assert!(html.contains("<strong>cpu-not-throttled</strong>: CPU not throttled on this host"));
}

#[test]
fn concurrency_figures_add_a_chart() {
    let result = fixtures::small_tuning_result();
    let report =
        reports::render_with(&result, &Extras::with_concurrency(concurrency_curve())).unwrap();
    assert!(report.html.contains("<figure id=\"chart-concurrency\">"));
    let (name, png) = report.pngs.last().unwrap();
    assert_eq!(name, "concurrency.png");
    assert_eq!(decoded(png).dimensions(), (1000, 634));
    let svg = figure_svg(&report.html, "concurrency");
    assert!(
        svg.contains("break-even at 60% utilization"),
        "the break-even is marked"
    );
    insta::assert_snapshot!("svg_concurrency", svg);
}

#[test]
fn run_without_cold_starts_has_no_init_duration_chart() {
    let mut result = fixtures::small_tuning_result();
    for config in &mut result.configurations {
        for sample in &mut config.samples {
            sample.init_duration_ms = None;
        }
    }
    let report = reports::render(&result).unwrap();
    assert!(!report.html.contains("chart-init-duration"));
    assert_eq!(report.pngs.len(), 3);
}

#[test]
fn result_without_configurations_is_an_error() {
    let mut result = fixtures::small_tuning_result();
    result.configurations.clear();
    let err = reports::render(&result).unwrap_err();
    assert!(err.to_string().contains("no configurations"), "{err}");
}

#[test]
fn coldstart_report_charts_init_duration_and_tabulates_percentiles() {
    let result = fixtures::coldstart_result(
        "thumbnailer",
        &[
            (128, Architecture::X86_64),
            (1024, Architecture::X86_64),
            (1024, Architecture::Arm64),
        ],
        30,
    );
    let report = reports::render_coldstart(&result).unwrap();
    assert_eq!(report.pngs.len(), 1);
    assert_eq!(report.pngs[0].0, "coldstart-init-duration.png");
    assert_eq!(decoded(&report.pngs[0].1).dimensions(), (1000, 634));
    insta::assert_snapshot!("coldstart_report_html", without_svgs(&report.html));
}

#[test]
fn concurrency_curves_cross_at_the_break_even_utilization() {
    let curve = concurrency_curve();
    assert_eq!(curve.break_even_utilization_pct, Some(60.0));
    let at = |pct: f64| {
        curve
            .points
            .iter()
            .find(|p| (p.utilization_pct - pct).abs() < 1e-9)
            .copied()
            .unwrap()
    };
    // Below the break-even on demand is cheaper, above it provisioned is.
    assert!(at(50.0).on_demand_monthly_usd < at(50.0).provisioned_monthly_usd);
    assert!(at(70.0).on_demand_monthly_usd > at(70.0).provisioned_monthly_usd);
    // 10 environments of 1 GB for 730 hours at the provisioned price, with no work.
    approx_eq(
        at(0.0).provisioned_monthly_usd,
        10.0 * 730.0 * 3600.0 * 0.000_004_166_7,
    );
    approx_eq(at(0.0).on_demand_monthly_usd, 0.0);
}

fn approx_eq(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{actual} != {expected}"
    );
}

#[test]
fn single_configuration_with_identical_samples_still_renders_every_chart() {
    let mut result = fixtures::tuning_result_named("one", &[Architecture::Arm64], &[1024], 5);
    for sample in &mut result.configurations[0].samples {
        sample.duration_ms = 100.0;
    }
    let report = reports::render(&result).unwrap();
    assert_eq!(report.pngs.len(), 4);
    for (name, png) in &report.pngs {
        assert!(decoded(png).width() == 1000, "{name}");
    }
    assert!(report.html.contains("1024 MB on arm64"));
}

#[test]
fn issue_20_a_comparison_adds_a_section_and_a_change_chart_naming_the_baseline() {
    let baseline = fixtures::small_tuning_result();
    let mut current = baseline.clone();
    // The 1024 MB configurations got 30% slower.
    for config in &mut current.configurations {
        if config.key.memory_mb.get() == 1024 {
            for sample in &mut config.samples {
                sample.duration_ms *= 1.3;
            }
        }
    }
    let comparison = analyzer::comparison::compare_tuning(
        &baseline,
        &current,
        &analyzer::comparison::tuning_options(),
    )
    .unwrap();
    let report =
        reports::render_with(&current, &Extras::default().and_comparison(comparison)).unwrap();
    let html = &report.html;
    assert!(html.contains("<section id=\"comparison\">"));
    assert!(html.contains("2 regression(s), 0 improvement(s), 6 configuration(s) unchanged"));
    assert_eq!(html.matches("<tr class=\"regression\"").count(), 2);
    let (name, png) = report.pngs.last().unwrap();
    assert_eq!(name, "change.png");
    assert_eq!(decoded(png).width(), 1000);
    let svg = figure_svg(html, "change");
    assert!(
        svg.contains("vs baseline of 2026-01-02 03:04 UTC"),
        "{svg:.600}"
    );
    assert_eq!(hrefs(html).last(), Some(&"change.png"));
}

#[test]
fn issue_20_a_coldstart_comparison_is_named_for_its_kind() {
    use analyzer::units::Architecture::X86_64;
    let baseline = fixtures::coldstart_result("checkout", &[(512, X86_64), (1024, X86_64)], 12);
    let comparison = analyzer::comparison::compare_coldstart(
        &baseline,
        &baseline,
        &analyzer::gate::GateOptions::default(),
    )
    .unwrap();
    let report = reports::render_coldstart_with(&baseline, Some(&comparison)).unwrap();
    let names: Vec<&str> = report.pngs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["coldstart-init-duration.png", "coldstart-change.png"]
    );
    assert!(
        report
            .html
            .contains("0 regression(s), 0 improvement(s), 2 configuration(s) unchanged")
    );
}
