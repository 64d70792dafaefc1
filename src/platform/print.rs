//! The running footer of a printed page. CSS margin boxes (`@page {
//! @bottom-left { … } }`) cannot read the page, and the Content-Security-
//! Policy forbids inline `<style>` elements, so the text is written into a
//! constructed stylesheet adopted by the document: the policy governs style
//! elements and attributes, not the CSS object model.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // Bound here rather than through web-sys's `CssStyleSheet` feature,
    // which would rebuild web-sys and everything above it for two calls.
    #[wasm_bindgen(js_name = CSSStyleSheet)]
    type ConstructedSheet;

    #[wasm_bindgen(constructor, catch, js_class = "CSSStyleSheet")]
    fn new() -> Result<ConstructedSheet, JsValue>;

    #[wasm_bindgen(method, catch, js_name = replaceSync)]
    fn replace_sync(this: &ConstructedSheet, text: &str) -> Result<(), JsValue>;
}

/// A footer printed at the bottom left of every page while this value
/// lives; dropping it takes the footer away again.
pub struct PageFooter {
    sheet: JsValue,
}

impl PageFooter {
    /// `None` where the browser cannot construct stylesheets: the page then
    /// prints without the footer, which the report's own heading repeats.
    pub fn show(text: &str) -> Option<PageFooter> {
        let document = web_sys::window()?.document()?;
        let sheet = ConstructedSheet::new().ok()?;
        let rule = format!(
            "@page {{ @bottom-left {{ content: \"{}\"; }} }}",
            css_string(text)
        );
        sheet.replace_sync(&rule).ok()?;
        let sheets = document.adopted_style_sheets();
        sheets.push(&sheet);
        document.set_adopted_style_sheets(&sheets);
        Some(PageFooter {
            sheet: sheet.into(),
        })
    }
}

impl Drop for PageFooter {
    fn drop(&mut self) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let kept: js_sys::Array = document
            .adopted_style_sheets()
            .iter()
            .filter(|s| *s != self.sheet)
            .collect();
        document.set_adopted_style_sheets(&kept);
    }
}

/// `text` as the inside of a double-quoted CSS string. Anything but letters,
/// digits and spaces is written as a hexadecimal escape (ended by a space,
/// which the escape consumes), so a register's name can neither end the
/// string nor the rule, whatever it holds.
pub fn css_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() || c == ' ' {
            out.push(c);
        } else if c == '\0' || c.is_control() {
            // CSS turns NUL into U+FFFD anyway, and a line break in a footer
            // would push it out of its box.
            out.push(' ');
        } else {
            out.push_str(&format!("\\{:x} ", u32::from(c)));
        }
    }
    out
}
