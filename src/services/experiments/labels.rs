//! Arm labels that tell chained edits apart: the lineage path from the master plus the variant's code,
//! so "spoon = removed" made on the master and "spoon = removed" made after a green saucer never read
//! alike.

use std::collections::HashMap;

use crate::db::reporting::VariantInfo;

/// A variant's own edit, "variable = value".
pub fn edit_label(v: &VariantInfo) -> String {
    format!("{} = {}", v.variable, v.value)
}

/// The edits from the master down to `variant`, oldest first: "saucer = forest green → spoon =
/// removed". A broken chain (a parent outside `variants`) stops where it breaks.
pub fn lineage(variant: &VariantInfo, variants: &HashMap<i32, VariantInfo>) -> String {
    let mut path = vec![edit_label(variant)];
    let mut seen = vec![variant.id];
    let mut parent = variant.parent_variant_id;
    while let Some(id) = parent {
        // A cycle cannot be stored, but a label must never loop.
        let Some(p) = variants.get(&id).filter(|_| !seen.contains(&id)) else { break };
        seen.push(id);
        path.push(edit_label(p));
        parent = p.parent_variant_id;
    }
    path.reverse();
    path.join(" → ")
}

/// The label of an arm that shows `variant` (or the master when `None`).
pub fn arm_label(
    variant: Option<&VariantInfo>,
    variants: &HashMap<i32, VariantInfo>,
    master_name: &str,
) -> String {
    match variant {
        None => format!("master: {master_name}"),
        Some(v) => format!("{} [{}]", lineage(v, variants), v.code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(id: i32, parent: Option<i32>, variable: &str, value: &str) -> VariantInfo {
        VariantInfo {
            id,
            master_id: 1,
            parent_variant_id: parent,
            code: format!("LM-{id}"),
            variable: variable.into(),
            value: value.into(),
            status: crate::db::variants::VariantStatus::Approved,
            controlled: Some(true),
        }
    }

    #[test]
    fn chained_edits_read_apart() {
        let all: HashMap<i32, VariantInfo> = [
            v(1, None, "spoon", "removed"),
            v(2, None, "saucer", "forest green"),
            v(3, Some(2), "spoon", "removed"),
        ]
        .into_iter()
        .map(|x| (x.id, x))
        .collect();
        assert_eq!(arm_label(all.get(&1), &all, "hero"), "spoon = removed [LM-1]");
        assert_eq!(
            arm_label(all.get(&3), &all, "hero"),
            "saucer = forest green → spoon = removed [LM-3]"
        );
        assert_eq!(arm_label(None, &all, "hero"), "master: hero");
    }
}
