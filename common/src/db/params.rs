//! What a statement binds: the values of `params![…]`, an array, a tuple, or an iterator.

use rusqlite::types::ToSql;

/// Values to bind to a statement's `?N` placeholders, in order.
pub trait Params {
    /// Calls `f` with the values as one slice.
    fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R;
}

/// No values, written `[]`.
impl Params for [&(dyn ToSql + Send + Sync); 0] {
    fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
        f(&[])
    }
}

/// What `params![…]` makes.
impl Params for &[&dyn ToSql] {
    fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
        f(self)
    }
}

impl Params for () {
    fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
        f(&[])
    }
}

macro_rules! arrays {
    ($($n:literal)*) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
                let refs: [&dyn ToSql; $n] = self.each_ref().map(|v| v as &dyn ToSql);
                f(&refs)
            }
        }
        impl<T: ToSql> Params for &[&T; $n] {
            fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
                let refs: [&dyn ToSql; $n] = self.map(|v| v as &dyn ToSql);
                f(&refs)
            }
        }
    )*};
}
arrays!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

macro_rules! tuples {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: ToSql),+> Params for ($($t,)+) {
            fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
                f(&[$(&self.$i as &dyn ToSql),+])
            }
        }
    )*};
}
tuples! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
}

/// The values an iterator yields, bound in order.
#[derive(Debug)]
pub struct ParamsFromIter<I>(I);

/// Binds what `iter` yields, in order.
pub fn params_from_iter<I>(iter: I) -> ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    ParamsFromIter(iter)
}

impl<I> Params for ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    fn with<R>(self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
        let values: Vec<I::Item> = self.0.into_iter().collect();
        let refs: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
        f(&refs)
    }
}
