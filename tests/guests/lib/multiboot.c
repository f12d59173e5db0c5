/*
 * Reading the Multiboot boot information (spec 3.3 "Boot information
 * format"). Each field is valid only if its bit in flags is set.
 */
#include "guest.h"

const struct mb_info *mb_get(u32 mbi)
{
	return (const struct mb_info *)mbi;
}

const char *mb_cmdline(const struct mb_info *mb)
{
	return mb && (mb->flags & MBI_CMDLINE) && mb->cmdline ? (const char *)mb->cmdline : "";
}

const char *mb_loader(const struct mb_info *mb)
{
	return mb && (mb->flags & MBI_LOADER) && mb->boot_loader_name ?
		       (const char *)mb->boot_loader_name : "";
}

u64 mb_memory_end(const struct mb_info *mb)
{
	u64 end = 0;
	if (!mb)
		return 0;
	if (mb->flags & MBI_MMAP) {
		/* 3.3: entries are size + 4 bytes long; "size" may exceed 20. */
		u32 p = mb->mmap_addr, stop = mb->mmap_addr + mb->mmap_length;
		while (p + 4 <= stop) {
			const struct mb_mmap_entry *e = (const struct mb_mmap_entry *)p;
			u64 top = e->addr + e->len;
			if (e->type == 1 && top > end && top <= 0x100000000ull)
				end = top;
			p += e->size + 4;
		}
	}
	if (!end && (mb->flags & MBI_MEM))
		end = 0x100000ull + (u64)mb->mem_upper * 1024; /* mem_upper starts at 1 MiB */
	return end;
}

u32 cmdline_uint(const char *cmdline, const char *key, u32 def)
{
	size_t klen = strlen(key);
	for (const char *s = cmdline; *s; s++) {
		if (s != cmdline && s[-1] != ' ')
			continue; /* the key must start a word */
		if (strncmp(s, key, klen) != 0)
			continue;
		const char *p = s + klen;
		if (*p < '0' || *p > '9')
			continue;
		u32 v = 0;
		while (*p >= '0' && *p <= '9')
			v = v * 10 + (u32)(*p++ - '0');
		return v;
	}
	return def;
}
