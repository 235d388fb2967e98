//! CSV files Tavle writes for people to open in a spreadsheet. Every text cell that a
//! spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return) is written with a leading `'`, so a name from a roster or a pupil's file name can
//! never run as a formula on a teacher's machine (OWASP's "CSV injection"). Plain numbers
//! such as `-5` are written as they are.

/// A CSV writer whose every record goes through [`cell`].
pub(crate) struct SpreadsheetCsv {
    inner: csv::Writer<Vec<u8>>,
}

impl SpreadsheetCsv {
    pub fn new() -> Self {
        SpreadsheetCsv { inner: csv::Writer::from_writer(Vec::new()) }
    }

    pub fn write_record<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> csv::Result<()> {
        let cells: Vec<std::borrow::Cow<'a, str>> = cells.into_iter().map(cell).collect();
        self.inner.write_record(cells.iter().map(|c| c.as_bytes()))
    }

    pub fn into_string(self) -> Result<String, String> {
        let bytes = self.inner.into_inner().map_err(|e| e.to_string())?;
        String::from_utf8(bytes).map_err(|e| e.to_string())
    }
}

/// One cell as it is written: with a leading `'` when a spreadsheet would take it for a formula.
pub(crate) fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && text.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        let mut w = SpreadsheetCsv::new();
        w.write_record(["=HYPERLINK(\"http://x\",\"Klik her\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "Åse", "-5", "7"])
            .ok();
        let out = w.into_string().unwrap_or_default();
        assert_eq!(out, "\"'=HYPERLINK(\"\"http://x\"\",\"\"Klik her\"\")\",'+1+1,'-2+3,'@SUM(A1),'\tx,Åse,-5,7\n");
    }
}
