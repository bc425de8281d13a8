//! liftmask
