pub(crate) mod radix_tree;
pub(crate) mod trie;
