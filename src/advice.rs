//! What to do when a file the user named cannot be read or written: one table of I/O
//! causes for the three places aikpi touches such files (the config file, the report
//! folder, a single output file), so the same cause always gets the same advice.

use std::io::{self, ErrorKind};

/// Which file the failed operation was on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileUse {
    /// Reading the `--config` file.
    ConfigFile,
    /// Writing into the `--out` folder.
    OutFolder,
    /// Writing one file the user named (`aggregates --output`, `config init FILE`).
    OutputFile,
}

/// The cause of `e` in words, with what to do about it.
pub fn io_advice(e: &io::Error, file: FileUse) -> String {
    use FileUse::{ConfigFile, OutFolder, OutputFile};
    let advice = match (e.kind(), file) {
        (ErrorKind::NotFound, ConfigFile) => {
            "it does not exist. Check the path given with --config (or AIKPI_CONFIG), or \
             write one with the defaults with `aikpi config init FILE`"
        }
        (ErrorKind::IsADirectory, ConfigFile) => {
            "it is a folder, not a file. Pass the TOML file itself with --config"
        }
        (ErrorKind::InvalidData, ConfigFile) => {
            "it is not UTF-8 text: save it as UTF-8 (TOML files are always UTF-8)"
        }
        (ErrorKind::PermissionDenied, ConfigFile) => {
            "this user may not read it. Make it readable to the user that runs aikpi, or \
             pass another file with --config"
        }
        (_, ConfigFile) => return format!("{e}. Check the path given with --config"),
        (ErrorKind::StorageFull | ErrorKind::QuotaExceeded, OutFolder) => {
            "Free some space on that disk, or choose an --out folder on another one."
        }
        (ErrorKind::ReadOnlyFilesystem, OutFolder) => {
            "That file system is mounted read-only: choose an --out folder on a writable one."
        }
        (ErrorKind::PermissionDenied, OutFolder) => {
            "This user may not write there: choose another --out folder, or fix the \
             folder's permissions."
        }
        (ErrorKind::NotADirectory | ErrorKind::AlreadyExists, OutFolder) => {
            "A part of that path is a file, not a folder: choose another --out folder."
        }
        (_, OutFolder) => {
            "Check that the folder is writable and its disk has space, or choose another --out."
        }
        (ErrorKind::AlreadyExists, OutputFile) => {
            "it already exists, and aikpi does not overwrite it. Choose another name, or \
             remove it first."
        }
        (_, OutputFile) => {
            return format!(
                "{e}. Check that its folder exists and is writable and that the disk has \
                 space, or write to another path."
            )
        }
    };
    advice.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_cause_gets_advice_for_the_file_it_hit() {
        let denied = io::Error::from(ErrorKind::PermissionDenied);
        assert!(io_advice(&denied, FileUse::ConfigFile).contains("may not read it"));
        assert!(io_advice(&denied, FileUse::OutFolder).contains("may not write there"));
        let exists = io::Error::from(ErrorKind::AlreadyExists);
        assert!(io_advice(&exists, FileUse::OutputFile).contains("does not overwrite"));
        let full = io::Error::from(ErrorKind::StorageFull);
        assert!(io_advice(&full, FileUse::OutFolder).starts_with("Free some space"));
    }
}
