/*
 * Reading files from the volume the loader itself was started from (the
 * EFI system partition), through the Simple File System protocol (UEFI
 * 2.10, 13.4 and 13.5).
 */
#include "loader.h"
#include <tessera/string.h>

static EFI_FILE_HANDLE root;

EFI_STATUS volume_open(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st;

	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	root = LibOpenRoot(li->DeviceHandle);
	return root ? EFI_SUCCESS : EFI_NOT_FOUND;
}

EFI_STATUS alloc_pages(UINT32 mtype, u64 bytes, EFI_PHYSICAL_ADDRESS max, hpa_t *out)
{
	EFI_PHYSICAL_ADDRESS a = max;
	UINTN pages = EFI_SIZE_TO_PAGES(bytes ? bytes : 1);
	EFI_STATUS st;

	st = BS->AllocatePages(max ? AllocateMaxAddress : AllocateAnyPages, mtype, pages, &a);
	if (EFI_ERROR(st))
		return st;
	BS->SetMem((void *)(uintptr_t)a, pages * EFI_PAGE_SIZE, 0);
	*out = a;
	return EFI_SUCCESS;
}

/* Config paths are ASCII with '\' or '/'; UEFI wants UCS-2 with '\'. */
static void to_wide_path(const char *path, CHAR16 *out, size_t n)
{
	size_t i = 0;

	for (; path[i] && i + 1 < n; i++)
		out[i] = path[i] == '/' ? L'\\' : (CHAR16)(unsigned char)path[i];
	out[i] = 0;
}

EFI_STATUS file_read(const char *path, UINT32 mtype, hpa_t *addr, u64 *size)
{
	CHAR16 wpath[PATH_MAX_LEN];
	EFI_FILE_HANDLE fh;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	UINTN len;

	if (!root)
		return EFI_NOT_FOUND;
	to_wide_path(path, wpath, ARRAY_SIZE(wpath));
	st = root->Open(root, &fh, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	info = LibFileInfo(fh);
	if (!info) {
		fh->Close(fh);
		return EFI_DEVICE_ERROR;
	}
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		FreePool(info);
		fh->Close(fh);
		return EFI_NOT_FOUND;
	}
	len = info->FileSize;
	FreePool(info);

	st = alloc_pages(mtype, len + 1, 0, addr); /* +1: room for a NUL */
	if (!EFI_ERROR(st)) {
		UINTN want = len;

		st = fh->Read(fh, &len, (void *)(uintptr_t)*addr);
		if (!EFI_ERROR(st) && len != want)
			st = EFI_DEVICE_ERROR;
		if (EFI_ERROR(st))
			BS->FreePages(*addr, EFI_SIZE_TO_PAGES(want + 1));
	}
	fh->Close(fh);
	*size = len;
	return st;
}
