//! Minimum s-t cut by the Boykov–Kolmogorov max-flow algorithm ("An Experimental Comparison of
//! Min-Cut/Max-Flow Algorithms for Energy Minimization in Vision", PAMI 2004).
//!
//! Two search trees grow from the source and the sink and are reused between augmentations, which
//! on image grids (short paths, many of them) beats augmenting-path and push-relabel methods. No
//! crate on crates.io offers it maintained, so it lives here, written after the paper and the
//! authors' reference code: active nodes in a FIFO, orphans adopted with the timestamp/distance
//! heuristic that keeps the trees shallow.

use std::collections::VecDeque;

/// Marks for `Node::parent` besides a real arc index.
const NONE: u32 = u32::MAX;
const TERMINAL: u32 = u32::MAX - 1;
const ORPHAN: u32 = u32::MAX - 2;

#[derive(Clone)]
struct Node {
    first: u32,
    /// The arc from this node to its parent in its tree, or one of the marks above.
    parent: u32,
    in_sink_tree: bool,
    active: bool,
    /// Residual capacity to the terminals: positive = from the source, negative = to the sink.
    terminal: f64,
    time: u64,
    dist: u32,
}

/// One direction of an edge; kept together so that walking a node's arcs touches one cache line
/// per arc.
#[derive(Clone, Copy)]
struct HalfEdge {
    head: u32,
    next: u32,
    residual: f64,
}

/// A graph whose arcs are added in pairs, so arc `a`'s reverse is `a ^ 1`.
pub struct Graph {
    nodes: Vec<Node>,
    arcs: Vec<HalfEdge>,
    queue: VecDeque<u32>,
    orphans: VecDeque<u32>,
    time: u64,
}

impl Graph {
    pub fn new(nodes: usize, edges_hint: usize) -> Self {
        let node = Node {
            first: NONE,
            parent: NONE,
            in_sink_tree: false,
            active: false,
            terminal: 0.0,
            time: 0,
            dist: 0,
        };
        Self {
            nodes: vec![node; nodes],
            arcs: Vec::with_capacity(2 * edges_hint),
            queue: VecDeque::new(),
            orphans: VecDeque::new(),
            time: 0,
        }
    }

    /// Adds capacities from the source and to the sink; only their difference matters to the cut.
    pub fn add_terminal(&mut self, i: usize, source: f64, sink: f64) {
        self.nodes[i].terminal += source - sink;
    }

    /// Adds the arc i→j with capacity `cap` and j→i with `rev`.
    pub fn add_edge(&mut self, i: usize, j: usize, cap: f64, rev: f64) {
        for (from, to, c) in [(i, j, cap), (j, i, rev)] {
            let a = self.arcs.len() as u32;
            self.arcs.push(HalfEdge { head: to as u32, next: self.nodes[from].first, residual: c });
            self.nodes[from].first = a;
        }
    }

    /// Whether node `i` ends on the source side of the minimum cut (valid after [`Self::maxflow`]).
    /// Nodes in neither tree could go either way; they are given to the sink.
    pub fn on_source_side(&self, i: usize) -> bool {
        let n = &self.nodes[i];
        n.parent != NONE && !n.in_sink_tree
    }

    /// Runs the algorithm and returns the value of the maximum flow.
    pub fn maxflow(&mut self) -> f64 {
        let mut flow = 0.0;
        for i in 0..self.nodes.len() {
            let t = self.nodes[i].terminal;
            if t != 0.0 {
                let n = &mut self.nodes[i];
                n.in_sink_tree = t < 0.0;
                n.parent = TERMINAL;
                n.dist = 1;
                self.activate(i as u32);
            }
        }
        let mut current: Option<u32> = None;
        loop {
            let i = match current.take() {
                Some(i) if self.nodes[i as usize].parent != NONE => Some(i),
                Some(i) => {
                    self.nodes[i as usize].active = false;
                    self.next_active()
                }
                None => self.next_active(),
            };
            let Some(i) = i else { break };
            match self.grow(i) {
                Some(arc) => {
                    // The node may have more paths: keep it current (and flagged active, so that
                    // adoption does not queue it twice).
                    self.nodes[i as usize].active = true;
                    current = Some(i);
                    flow += self.augment(arc);
                    self.time += 1;
                    self.adopt_orphans();
                }
                None => self.nodes[i as usize].active = false,
            }
        }
        flow
    }

    fn activate(&mut self, i: u32) {
        let n = &mut self.nodes[i as usize];
        if !n.active {
            n.active = true;
            self.queue.push_back(i);
        }
    }

    fn next_active(&mut self) -> Option<u32> {
        while let Some(i) = self.queue.pop_front() {
            let n = &mut self.nodes[i as usize];
            n.active = false;
            if n.parent != NONE {
                return Some(i);
            }
        }
        None
    }

    /// Grows `i`'s tree by one layer; returns an arc from the source tree to the sink tree.
    fn grow(&mut self, i: u32) -> Option<u32> {
        let iu = i as usize;
        let sink = self.nodes[iu].in_sink_tree;
        let (time, dist) = (self.nodes[iu].time, self.nodes[iu].dist);
        let mut a = self.nodes[iu].first;
        while a != NONE {
            let au = a as usize;
            // Source trees grow along i→j, sink trees along j→i.
            let open = if sink { self.arcs[au ^ 1].residual } else { self.arcs[au].residual } > 0.0;
            if open {
                let j = self.arcs[au].head as usize;
                let nj = &mut self.nodes[j];
                if nj.parent == NONE {
                    nj.in_sink_tree = sink;
                    nj.parent = a ^ 1;
                    nj.time = time;
                    nj.dist = dist + 1;
                    self.activate(j as u32);
                } else if nj.in_sink_tree != sink {
                    return Some(if sink { a ^ 1 } else { a });
                } else if nj.time <= time && nj.dist > dist {
                    nj.parent = a ^ 1;
                    nj.time = time;
                    nj.dist = dist + 1;
                }
            }
            a = self.arcs[au].next;
        }
        None
    }

    /// Pushes the bottleneck through the path that `middle` (source tree → sink tree) closes.
    fn augment(&mut self, middle: u32) -> f64 {
        let mut bottleneck = self.arcs[middle as usize].residual;
        let mut i = self.arcs[(middle ^ 1) as usize].head as usize;
        loop {
            let p = self.nodes[i].parent;
            if p == TERMINAL {
                break;
            }
            bottleneck = bottleneck.min(self.arcs[(p ^ 1) as usize].residual);
            i = self.arcs[p as usize].head as usize;
        }
        bottleneck = bottleneck.min(self.nodes[i].terminal);
        let mut i = self.arcs[middle as usize].head as usize;
        loop {
            let p = self.nodes[i].parent;
            if p == TERMINAL {
                break;
            }
            bottleneck = bottleneck.min(self.arcs[p as usize].residual);
            i = self.arcs[p as usize].head as usize;
        }
        bottleneck = bottleneck.min(-self.nodes[i].terminal);

        self.arcs[(middle ^ 1) as usize].residual += bottleneck;
        self.arcs[middle as usize].residual -= bottleneck;
        // Source side: flow runs parent → child, i.e. along the reverse of each parent arc.
        let mut i = self.arcs[(middle ^ 1) as usize].head as usize;
        loop {
            let p = self.nodes[i].parent;
            if p == TERMINAL {
                break;
            }
            let pu = p as usize;
            self.arcs[pu].residual += bottleneck;
            self.arcs[pu ^ 1].residual -= bottleneck;
            if self.arcs[pu ^ 1].residual <= 0.0 {
                self.make_orphan(i, true);
            }
            i = self.arcs[pu].head as usize;
        }
        self.nodes[i].terminal -= bottleneck;
        if self.nodes[i].terminal <= 0.0 {
            self.make_orphan(i, true);
        }
        // Sink side: flow runs child → parent, along each parent arc.
        let mut i = self.arcs[middle as usize].head as usize;
        loop {
            let p = self.nodes[i].parent;
            if p == TERMINAL {
                break;
            }
            let pu = p as usize;
            self.arcs[pu ^ 1].residual += bottleneck;
            self.arcs[pu].residual -= bottleneck;
            if self.arcs[pu].residual <= 0.0 {
                self.make_orphan(i, true);
            }
            i = self.arcs[pu].head as usize;
        }
        self.nodes[i].terminal += bottleneck;
        if self.nodes[i].terminal >= 0.0 {
            self.make_orphan(i, true);
        }
        bottleneck
    }

    fn make_orphan(&mut self, i: usize, front: bool) {
        self.nodes[i].parent = ORPHAN;
        if front {
            self.orphans.push_front(i as u32);
        } else {
            self.orphans.push_back(i as u32);
        }
    }

    fn adopt_orphans(&mut self) {
        while let Some(i) = self.orphans.pop_front() {
            self.adopt(i as usize);
        }
    }

    /// Finds `i` a new parent in its own tree whose path to the terminal is whole, preferring
    /// the shortest; failing that, `i` becomes free and its children orphans.
    fn adopt(&mut self, i: usize) {
        let sink = self.nodes[i].in_sink_tree;
        let mut best = NONE;
        let mut best_dist = u32::MAX;
        let mut a0 = self.nodes[i].first;
        while a0 != NONE {
            let a0u = a0 as usize;
            // A parent j must be able to pass flow to i (source tree) or take it from i (sink tree).
            let open =
                if sink { self.arcs[a0u].residual } else { self.arcs[a0u ^ 1].residual } > 0.0;
            let j = self.arcs[a0u].head as usize;
            if open
                && self.nodes[j].in_sink_tree == sink
                && self.nodes[j].parent != NONE
                && let Some(d) = self.origin_distance(j)
            {
                if d < best_dist {
                    best = a0;
                    best_dist = d;
                }
                self.stamp_path(j, d);
            }
            a0 = self.arcs[a0u].next;
        }
        self.nodes[i].parent = best;
        if best != NONE {
            self.nodes[i].time = self.time;
            self.nodes[i].dist = best_dist + 1;
            return;
        }
        let mut a0 = self.nodes[i].first;
        while a0 != NONE {
            let a0u = a0 as usize;
            let j = self.arcs[a0u].head as usize;
            let pj = self.nodes[j].parent;
            if self.nodes[j].in_sink_tree == sink && pj != NONE {
                let open =
                    if sink { self.arcs[a0u].residual } else { self.arcs[a0u ^ 1].residual } > 0.0;
                if open {
                    self.activate(j as u32);
                }
                if pj != TERMINAL && pj != ORPHAN && self.arcs[pj as usize].head as usize == i {
                    self.make_orphan(j, false);
                }
            }
            a0 = self.arcs[a0u].next;
        }
    }

    /// Distance from `j` to its terminal, or `None` when its path runs into an orphan.
    fn origin_distance(&mut self, j: usize) -> Option<u32> {
        let mut d = 0u32;
        let mut k = j;
        loop {
            let n = &self.nodes[k];
            if n.time == self.time {
                return Some(d + n.dist);
            }
            let a = n.parent;
            d += 1;
            if a == TERMINAL {
                let n = &mut self.nodes[k];
                n.time = self.time;
                n.dist = 1;
                return Some(d);
            }
            if a == ORPHAN {
                return None;
            }
            k = self.arcs[a as usize].head as usize;
        }
    }

    /// Records the distances found along `j`'s path, so later searches stop early.
    fn stamp_path(&mut self, j: usize, mut d: u32) {
        let mut k = j;
        while self.nodes[k].time != self.time {
            let n = &mut self.nodes[k];
            n.time = self.time;
            n.dist = d;
            d = d.saturating_sub(1);
            k = self.arcs[n.parent as usize].head as usize;
        }
    }
}

#[cfg(test)]
mod tests;
