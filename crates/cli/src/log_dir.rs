//! A transparency log kept as a C2SP tlog-tiles directory: `checkpoint`, `tile/<L>/<N>[.p/<W>]`
//! and `tile/entries/<N>[.p/<W>]`, the layout Tessera's POSIX driver writes and any static web
//! server can publish.
//!
//! This is the file-system side of the pure `tlog` crate: it reads and writes files, while every
//! format and every hash comes from `tlog`. Files are written to a temporary name, flushed to disk
//! and renamed, and the checkpoint is written last, so a crash leaves either the old log or the new
//! one, never a checkpoint that points at tiles that are not on disk.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail, ensure};
use tlog::tile::{decode_bundle, encode_bundle, tiles_for_size};
use tlog::{
    BundleCoord, Checkpoint, CompactRange, Hash, Note, SignerKey, Tile, TileCoord, TileHashSource,
    TileReader, VerifierKey, integrate, leaf_hash,
};

/// A log directory.
pub(crate) struct LogDir {
    root: PathBuf,
}

/// Reads tiles from the directory.
struct DirTiles<'a>(&'a Path);

impl TileReader for DirTiles<'_> {
    type Tile = Tile;
    type Error = anyhow::Error;

    fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Tile>> {
        coords
            .iter()
            .map(|coord| {
                let path = self.0.join(coord.path());
                let bytes =
                    fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                Tile::from_bytes(&bytes, coord.width).with_context(|| format!("{}", path.display()))
            })
            .collect()
    }
}

impl LogDir {
    pub(crate) fn new(root: &Path) -> Self {
        LogDir {
            root: root.to_path_buf(),
        }
    }

    /// The signed checkpoint bytes, or `None` for a log that has none yet.
    pub(crate) fn checkpoint_bytes(&self) -> Result<Option<Vec<u8>>> {
        let path = self.root.join("checkpoint");
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// The latest checkpoint, verified with `key`.
    pub(crate) fn checkpoint(&self, key: &VerifierKey) -> Result<Option<Checkpoint>> {
        let Some(bytes) = self.checkpoint_bytes()? else {
            return Ok(None);
        };
        let (_, checkpoint) = Checkpoint::open(&bytes, key)
            .with_context(|| format!("{}", self.root.join("checkpoint").display()))?;
        Ok(Some(checkpoint))
    }

    /// A hash source over the tiles of the tree of `size` leaves.
    pub(crate) fn hashes(
        &self,
        size: u64,
    ) -> TileHashSource<impl TileReader<Error = anyhow::Error>> {
        TileHashSource::new(DirTiles(&self.root), size)
    }

    /// Appends `entries` and publishes a new checkpoint signed with `key`. Returns it.
    pub(crate) fn append(&self, key: &SignerKey, entries: &[Vec<u8>]) -> Result<Checkpoint> {
        // One writer at a time: two appends interleaving their tiles would fork the log. The
        // lock is advisory and released when the process exits, even after a crash.
        fs::create_dir_all(&self.root)
            .with_context(|| format!("creating {}", self.root.display()))?;
        let lock = fs::File::create(self.root.join(".lock"))?;
        lock.try_lock()
            .map_err(|_| anyhow::anyhow!("another `retu log append` is writing to this log"))?;
        let verifier = key.verifier();
        let previous = self.checkpoint(&verifier)?;
        let old_size = previous.as_ref().map_or(0, |c| c.size);
        let range = CompactRange::from_source(&self.hashes(old_size), old_size)
            .map_err(|e| anyhow::anyhow!("rebuilding the tree edge: {e}"))?;
        if let Some(previous) = &previous {
            ensure!(
                range.root() == previous.root,
                "the tiles on disk do not match the signed checkpoint; run `retu log audit`"
            );
        }
        let leaves: Vec<Hash> = entries.iter().map(|entry| leaf_hash(entry)).collect();
        let integration = integrate(&DirTiles(&self.root), &range, &leaves)?;
        let new_size = integration.range.size();

        // Entry bundles: the old partial bundle's entries followed by the new ones.
        let mut old_entries: Vec<Vec<u8>> = Vec::new();
        if old_size % 256 != 0 {
            let coord = BundleCoord::for_entry(old_size - 1, old_size).context("bundle")?;
            let bytes = fs::read(self.root.join(coord.path()))
                .with_context(|| format!("reading {}", coord.path()))?;
            let old = decode_bundle(&bytes).with_context(|| coord.path())?;
            old_entries = old.into_iter().map(<[u8]>::to_vec).collect();
        }
        let pending: Vec<&[u8]> = old_entries
            .iter()
            .chain(entries)
            .map(Vec::as_slice)
            .collect();
        let first_bundle = old_size / 256;
        let mut files = Vec::with_capacity(pending.len() / 128 + integration.tiles.len() + 2);
        for (offset, chunk) in pending.chunks(256).enumerate() {
            let coord = BundleCoord {
                index: first_bundle + offset as u64,
                width: chunk.len() as u16,
            };
            files.push((coord.path(), encode_bundle(chunk)?));
        }
        for (coord, tile) in &integration.tiles {
            files.push((coord.path(), tile.to_bytes()));
        }
        self.write_all(&files)?;
        let checkpoint = Checkpoint {
            origin: key.name().to_owned(),
            size: new_size,
            root: integration.range.root(),
            extensions: String::new(),
        };
        let mut note = Note::new(checkpoint.to_text())?;
        note.sign(key)?;
        // Last, so that a published checkpoint only ever points at tiles that are on disk.
        self.write_all(&[("checkpoint".to_owned(), note.to_bytes())])?;
        Ok(checkpoint)
    }

    /// Writes files atomically and durably (temporary file, fsync, rename, fsync of the
    /// folder), with one fsync of each folder rather than one a file and the files' own fsyncs
    /// spread over a few threads: a million entries make some 8,000 tile and bundle files, and one fsync after
    /// another bound the command by the disk's latency, not its work. Every file is on disk
    /// under its final name when this returns, so a checkpoint written after it never points
    /// at a missing tile.
    fn write_all(&self, files: &[(String, Vec<u8>)]) -> Result<()> {
        const WRITERS: usize = 8;
        let temporary = |path: &Path| -> Result<PathBuf> {
            let folder = path.parent().context("a log file has a parent folder")?;
            Ok(folder.join(format!(
                ".{}.tmp",
                path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
            )))
        };
        let mut folders = std::collections::BTreeSet::new();
        for (relative, _) in files {
            let path = self.root.join(relative);
            let folder = path.parent().context("a log file has a parent folder")?;
            if folders.insert(folder.to_path_buf()) {
                fs::create_dir_all(folder)
                    .with_context(|| format!("creating {}", folder.display()))?;
            }
        }
        let chunk = files.len().div_ceil(WRITERS).max(1);
        std::thread::scope(|scope| -> Result<()> {
            let writers: Vec<_> = files
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || -> Result<()> {
                        for (relative, bytes) in part {
                            let path = self.root.join(relative);
                            let temporary = temporary(&path)?;
                            let mut file = fs::File::create(&temporary)
                                .with_context(|| format!("creating {}", temporary.display()))?;
                            file.write_all(bytes)?;
                            file.sync_all()?;
                        }
                        Ok(())
                    })
                })
                .collect();
            for writer in writers {
                writer
                    .join()
                    .map_err(|_| anyhow::anyhow!("a writer thread panicked"))??;
            }
            Ok(())
        })?;
        for (relative, _) in files {
            let path = self.root.join(relative);
            fs::rename(temporary(&path)?, &path)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        for folder in &folders {
            fs::File::open(folder)?.sync_all()?;
        }
        Ok(())
    }

    /// Recomputes the whole log from its entry bundles and checks every tile and the signed
    /// root. Returns the checkpoint and the number of tiles checked.
    pub(crate) fn audit(&self, key: &VerifierKey) -> Result<(Checkpoint, usize)> {
        let checkpoint = self.checkpoint(key)?.context("the log has no checkpoint")?;
        let size = checkpoint.size;
        let mut range = CompactRange::new();
        let mut rebuilt = std::collections::HashMap::new();
        struct Rebuilt<'a>(&'a std::collections::HashMap<TileCoord, Tile>);
        impl TileReader for Rebuilt<'_> {
            type Tile = Tile;
            type Error = TileCoord;
            fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Tile>, TileCoord> {
                coords
                    .iter()
                    .map(|c| self.0.get(c).cloned().ok_or(*c))
                    .collect()
            }
        }
        let bundles = size.div_ceil(256);
        for index in 0..bundles {
            let coord = BundleCoord::for_entry(index * 256, size).context("bundle")?;
            let path = self.root.join(coord.path());
            let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let entries = decode_bundle(&bytes).with_context(|| coord.path())?;
            ensure!(
                entries.len() == usize::from(coord.width),
                "{} holds {} entries, not {}",
                coord.path(),
                entries.len(),
                coord.width
            );
            let leaves: Vec<Hash> = entries.iter().map(|entry| leaf_hash(entry)).collect();
            let integration = integrate(&Rebuilt(&rebuilt), &range, &leaves)
                .map_err(|e| anyhow::anyhow!("rebuilding: {e}"))?;
            range = integration.range;
            rebuilt.extend(integration.tiles);
        }
        if range.root() != checkpoint.root {
            bail!(
                "the entries do not hash to the signed root: got {}, the checkpoint says {}",
                range.root(),
                checkpoint.root
            );
        }
        let mut checked = 0;
        for coord in tiles_for_size(size) {
            let stored = DirTiles(&self.root)
                .read_tiles(&[coord])?
                .pop()
                .context("tile")?;
            let want = rebuilt
                .get(&coord)
                .context("a tile the rebuild did not produce")?;
            ensure!(
                stored == *want,
                "{} does not match the entries: the published tile was altered",
                coord.path()
            );
            checked += 1;
        }
        Ok((checkpoint, checked))
    }
}

/// Reads a key file, trimming the final newline.
pub(crate) fn read_key_file(path: &Path) -> Result<String> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text.trim_end().to_owned())
}
