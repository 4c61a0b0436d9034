//! [`BlockWindow`]: the last `reorg_window` blocks as number → (hash,
//! parent hash). Pure: detection logic with no I/O, tested exhaustively.

use std::collections::BTreeMap;

use alloy::primitives::B256;

use super::event::BlockHeader;

/// How a new header relates to the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// It is the next block on top of the tip (or the window is empty).
    Extends,
    /// Its parent is not the tip: the chain reorganised.
    Conflicts,
    /// It is not the block after the tip (a gap or an old block).
    NotNext {
        /// The number the window expects next.
        expected: u64,
    },
}

/// Result of a fork-point search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForkPoint {
    /// The newest stored block that the node still has: revert above it.
    Found(BlockHeader),
    /// No stored block matches: the fork is older than the window.
    TooDeep {
        /// The oldest stored block.
        oldest: BlockHeader,
        /// The node's hash at that height (None if the node has no block
        /// there).
        node_hash: Option<B256>,
    },
}

/// Blocks a window keeps for a reorg window of `reorg_window` blocks: a
/// reorg of depth `reorg_window` replaces the tip and the blocks below it
/// down to `tip − reorg_window + 1`, so its fork point is
/// `tip − reorg_window`, which must still be stored.
pub fn capacity_for(reorg_window: u64) -> u64 {
    reorg_window + 1
}

/// The recent canonical blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockWindow {
    capacity: u64,
    blocks: BTreeMap<u64, BlockHeader>,
}

impl BlockWindow {
    /// An empty window keeping `capacity` blocks.
    pub fn new(capacity: u64) -> Self {
        Self {
            capacity: capacity.max(1),
            blocks: BTreeMap::new(),
        }
    }

    /// A window holding `headers` (extra old ones are dropped).
    pub fn from_headers(capacity: u64, headers: impl IntoIterator<Item = BlockHeader>) -> Self {
        let mut w = Self::new(capacity);
        for h in headers {
            w.blocks.insert(h.number, h);
        }
        w.prune();
        w
    }

    /// The newest block.
    pub fn tip(&self) -> Option<&BlockHeader> {
        self.blocks.values().next_back()
    }

    /// The oldest block.
    pub fn oldest(&self) -> Option<&BlockHeader> {
        self.blocks.values().next()
    }

    /// The block at `number`, if stored.
    pub fn get(&self, number: u64) -> Option<&BlockHeader> {
        self.blocks.get(&number)
    }

    /// Number of stored blocks.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Stored blocks, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &BlockHeader> {
        self.blocks.values()
    }

    /// How `header` relates to the tip.
    pub fn link(&self, header: &BlockHeader) -> Link {
        match self.tip() {
            None => Link::Extends,
            Some(tip) if header.number != tip.number + 1 => Link::NotNext {
                expected: tip.number + 1,
            },
            Some(tip) if header.parent_hash == tip.hash => Link::Extends,
            Some(_) => Link::Conflicts,
        }
    }

    /// Add a block on top (callers check [`Self::link`] first) and drop
    /// blocks that left the window.
    pub fn push(&mut self, header: BlockHeader) {
        self.blocks.insert(header.number, header);
        self.prune();
    }

    /// Forget blocks older than `capacity` below the tip.
    fn prune(&mut self) {
        if let Some(tip) = self.tip().map(|t| t.number) {
            let keep_from = tip.saturating_sub(self.capacity - 1);
            self.blocks = self.blocks.split_off(&keep_from);
        }
    }

    /// Find the fork point given the node's canonical hash at each stored
    /// height (`node(number)`; None if the node has no such block): the
    /// newest stored block whose hash the node agrees with.
    pub fn fork_point(&self, node: impl Fn(u64) -> Option<B256>) -> Option<ForkPoint> {
        let oldest = *self.oldest()?;
        for header in self.blocks.values().rev() {
            if node(header.number) == Some(header.hash) {
                return Some(ForkPoint::Found(*header));
            }
        }
        Some(ForkPoint::TooDeep {
            oldest,
            node_hash: node(oldest.number),
        })
    }

    /// Remove and return the blocks above `number`, oldest first.
    pub fn rewind(&mut self, number: u64) -> Vec<BlockHeader> {
        let above = self.blocks.split_off(&(number + 1));
        above.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn h(n: u64, fork: u8) -> B256 {
        let mut b = [0u8; 32];
        b[..8].copy_from_slice(&n.to_be_bytes());
        b[31] = fork;
        B256::from(b)
    }

    /// A chain of headers `from..=to` on branch `fork`, whose first block's
    /// parent is on branch `parent_fork`.
    fn chain(from: u64, to: u64, fork: u8, parent_fork: u8) -> Vec<BlockHeader> {
        (from..=to)
            .map(|n| BlockHeader {
                number: n,
                hash: h(n, fork),
                parent_hash: if n == from {
                    h(n.wrapping_sub(1), parent_fork)
                } else {
                    h(n - 1, fork)
                },
                timestamp: n,
            })
            .collect()
    }

    fn window_of(headers: &[BlockHeader], capacity: u64) -> BlockWindow {
        let mut w = BlockWindow::new(capacity);
        for x in headers {
            assert_eq!(w.link(x), Link::Extends);
            w.push(*x);
        }
        w
    }

    #[test]
    fn empty_window_accepts_anything() {
        let w = BlockWindow::new(4);
        assert_eq!(w.link(&chain(10, 10, 0, 0)[0]), Link::Extends);
        assert!(w.fork_point(|_| None).is_none());
    }

    #[test]
    fn capacity_bounds_the_window() {
        let w = window_of(&chain(1, 100, 0, 0), 64);
        assert_eq!(w.len(), 64);
        assert_eq!(w.oldest().unwrap().number, 37);
        assert_eq!(w.tip().unwrap().number, 100);
    }

    #[test]
    fn a_gap_or_an_old_block_is_not_next() {
        let w = window_of(&chain(1, 5, 0, 0), 8);
        assert_eq!(w.link(&chain(7, 7, 0, 0)[0]), Link::NotNext { expected: 6 });
        assert_eq!(w.link(&chain(3, 3, 0, 0)[0]), Link::NotNext { expected: 6 });
    }

    #[test]
    fn wrong_parent_is_a_conflict() {
        let w = window_of(&chain(1, 5, 0, 0), 8);
        let other = chain(6, 6, 1, 1)[0];
        assert_eq!(w.link(&other), Link::Conflicts);
    }

    #[test]
    fn fork_point_after_shallow_reorg() {
        let w = window_of(&chain(1, 10, 0, 0), 64);
        // The node replaced blocks 9 and 10.
        let node: HashMap<u64, B256> = (1..=10)
            .map(|n| (n, if n >= 9 { h(n, 1) } else { h(n, 0) }))
            .collect();
        let fp = w.fork_point(|n| node.get(&n).copied()).unwrap();
        assert_eq!(fp, ForkPoint::Found(*w.get(8).unwrap()));
    }

    #[test]
    fn fork_point_for_every_depth_within_the_window() {
        let w = window_of(&chain(1, 64, 0, 0), 64);
        for depth in 1..64u64 {
            let node = |n: u64| Some(if n > 64 - depth { h(n, 9) } else { h(n, 0) });
            assert_eq!(
                w.fork_point(node),
                Some(ForkPoint::Found(*w.get(64 - depth).unwrap())),
                "depth {depth}"
            );
        }
    }

    #[test]
    fn fork_when_the_node_chain_is_shorter() {
        let w = window_of(&chain(1, 10, 0, 0), 64);
        // anvil_rollback: the node has no blocks above 7.
        let node = |n: u64| if n <= 7 { Some(h(n, 0)) } else { None };
        assert_eq!(
            w.fork_point(node),
            Some(ForkPoint::Found(*w.get(7).unwrap()))
        );
    }

    #[test]
    fn fork_deeper_than_the_window_names_the_oldest_block() {
        let w = window_of(&chain(1, 100, 0, 0), 64);
        let node = |n: u64| Some(h(n, 7));
        match w.fork_point(node).unwrap() {
            ForkPoint::TooDeep { oldest, node_hash } => {
                assert_eq!(oldest.number, 37);
                assert_eq!(oldest.hash, h(37, 0));
                assert_eq!(node_hash, Some(h(37, 7)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rewind_returns_reverted_blocks_oldest_first() {
        let mut w = window_of(&chain(1, 10, 0, 0), 64);
        let gone = w.rewind(7);
        assert_eq!(
            gone.iter().map(|b| b.number).collect::<Vec<_>>(),
            vec![8, 9, 10]
        );
        assert_eq!(w.tip().unwrap().number, 7);
        // The new branch extends the fork point.
        let new = chain(8, 8, 1, 0)[0];
        assert_eq!(w.link(&new), Link::Extends);
        assert!(w.rewind(20).is_empty());
    }

    #[test]
    fn sparse_windows_from_storage_still_find_forks() {
        // Backfill stores only some blocks; the search uses what exists.
        let stored: Vec<BlockHeader> = chain(1, 20, 0, 0)
            .into_iter()
            .filter(|b| b.number % 3 == 0)
            .collect();
        let w = BlockWindow::from_headers(64, stored);
        let node = |n: u64| Some(if n > 10 { h(n, 1) } else { h(n, 0) });
        assert_eq!(
            w.fork_point(node),
            Some(ForkPoint::Found(*w.get(9).unwrap()))
        );
    }
}
