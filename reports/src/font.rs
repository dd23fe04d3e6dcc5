//! The one font every chart uses, compiled in so that rendering never depends on the fonts
//! installed on the host (CI machines and Lambda images often have none).
//!
//! DejaVu Sans, from Debian's `fonts-dejavu-core`; its licence is `assets/DejaVuSans-LICENSE.txt`.

use std::sync::OnceLock;

use plotters::style::FontStyle;

use crate::error::{Error, Result};

/// DejaVu Sans (Bitstream Vera licence with public-domain DejaVu changes).
static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The family name charts ask for; plotters' own defaults also use it.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers the embedded font with plotters once per process.
///
/// # Errors
///
/// [`Error::Font`] when the compiled-in font does not parse.
pub(crate) fn ensure_registered() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok { Ok(()) } else { Err(Error::Font) }
}
