//! The README's table of environment profiles is the profile table in the code.

#[test]
fn readme_lists_what_each_profile_changes() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let table = strata_modules::profiles::markdown_table();
    assert!(
        readme.contains(&table),
        "README.md's profile table is out of date; it should contain:\n\n{table}"
    );
}
