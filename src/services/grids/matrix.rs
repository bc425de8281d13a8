//! Laying a grid's cells out as a matrix for people: the first half of the variables down the side,
//! the rest across the top, so a 2×3 grid reads as 2 rows of 3 and a 2×2×2 as 4 rows of 2.

use analytics::design::model::full_grid;
use serde::Serialize;

/// One row of the matrix.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow<T> {
    /// The row variables' levels, e.g. `background: city`.
    pub label: String,
    /// One entry per column; `None` where the cell was not run (a fraction).
    pub cells: Vec<Option<T>>,
}

/// Cells arranged by their levels.
#[derive(Debug, Clone, Serialize)]
pub struct Matrix<T> {
    /// The variables down the side, e.g. `background`.
    pub row_title: String,
    /// The variables across the top.
    pub column_title: String,
    pub columns: Vec<String>,
    pub rows: Vec<MatrixRow<T>>,
}

/// Lays out the grid of `variables` (name, level names) with `cell_at(levels)` in each position.
pub fn layout<T>(
    variables: &[(String, Vec<String>)],
    cell_at: impl Fn(&[usize]) -> Option<T>,
) -> Matrix<T> {
    let split = variables.len().div_ceil(2);
    let (down, across) = variables.split_at(split);
    let sizes = |vs: &[(String, Vec<String>)]| vs.iter().map(|v| v.1.len()).collect::<Vec<_>>();
    let label = |vs: &[(String, Vec<String>)], levels: &[usize]| {
        vs.iter()
            .zip(levels)
            .map(|((name, names), &l)| {
                format!("{name}: {}", names.get(l).map_or("?", String::as_str))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let title = |vs: &[(String, Vec<String>)]| {
        vs.iter().map(|v| v.0.as_str()).collect::<Vec<_>>().join(" × ")
    };
    let column_levels = full_grid(&sizes(across));
    let rows = full_grid(&sizes(down))
        .into_iter()
        .map(|r| MatrixRow {
            label: label(down, &r),
            cells: column_levels
                .iter()
                .map(|c| {
                    let mut all = r.clone();
                    all.extend(c);
                    cell_at(&all)
                })
                .collect(),
        })
        .collect();
    Matrix {
        row_title: title(down),
        column_title: title(across),
        columns: column_levels.iter().map(|c| label(across, c)).collect(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_by_three_grid_is_two_rows_of_three() {
        let vars = vec![
            ("jacket".to_string(), vec!["master".to_string(), "red".to_string()]),
            ("sky".to_string(), vec!["master".into(), "dusk".into(), "snow".into()]),
        ];
        let m = layout(&vars, |l| (l != [1, 2]).then(|| format!("{}{}", l[0], l[1])));
        assert_eq!((m.rows.len(), m.columns.len()), (2, 3));
        assert_eq!(m.rows[1].label, "jacket: red");
        assert_eq!(m.columns[2], "sky: snow");
        assert_eq!(m.rows[0].cells[1].as_deref(), Some("01"));
        assert!(m.rows[1].cells[2].is_none());
    }
}
