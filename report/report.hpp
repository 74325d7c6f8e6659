#pragma once

// `kpsynth report` as a library: everything needed to analyse a run
// directory and write its HTML page and JSON summary. See the headers below
// for the pieces; most callers need only write_report().

#include "report/report_cluster.hpp" // IWYU pragma: export
#include "report/report_embed.hpp"   // IWYU pragma: export
#include "report/report_html.hpp"    // IWYU pragma: export
#include "report/report_price.hpp"   // IWYU pragma: export
#include "report/report_run.hpp"     // IWYU pragma: export
#include "report/report_summary.hpp" // IWYU pragma: export
#include "report/report_svg.hpp"     // IWYU pragma: export
