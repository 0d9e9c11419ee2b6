// SPDX-License-Identifier: GPL-2.0
/*
 * Azure Blob debugfs: what a channel has outstanding and what it dropped.
 *
 *   /sys/kernel/debug/azure_blob/<channel device>/outstanding
 *   /sys/kernel/debug/azure_blob/<channel device>/counters
 *   /sys/kernel/debug/azure_blob/<channel device>/instances
 *   /sys/kernel/debug/azure_blob/leaked_pages
 *
 * One directory per parent, named after its device, so several channels
 * never collide. No kernel or user addresses are shown.
 */
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/seq_file.h>

#include "azblob.h"

static int outstanding_show(struct seq_file *m, void *unused)
{
	struct azblob_parent *ap = m->private;
	struct azblob_request *req;
	unsigned long index;

	seq_puts(m, "id instance age_ms request_len response_len data_len\n");
	xa_lock_irq(&ap->requests);
	xa_for_each(&ap->requests, index, req)
		seq_printf(m, "%u %pUl %u %u %u %u\n", req->id, &req->inst->uuid,
			   jiffies_to_msecs(jiffies - req->submitted),
			   req->bufs[AZBLOB_BUF_REQUEST].len,
			   req->bufs[AZBLOB_BUF_RESPONSE].len,
			   req->bufs[AZBLOB_BUF_DATA].len);
	xa_unlock_irq(&ap->requests);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(outstanding);

static int counters_show(struct seq_file *m, void *unused)
{
	struct azblob_parent *ap = m->private;

	seq_printf(m, "unknown_completions %d\n",
		   atomic_read(&ap->unknown_completions));
	seq_printf(m, "malformed_completions %d\n",
		   atomic_read(&ap->malformed_completions));
	xa_lock_irq(&ap->requests);
	seq_printf(m, "ids_committed %u\n", ap->ids_committed);
	seq_printf(m, "accepting %d\n", !ap->dead);
	xa_unlock_irq(&ap->requests);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(counters);

static int instances_show(struct seq_file *m, void *unused)
{
	struct azblob_parent *ap = m->private;
	struct azblob_instance *inst;

	seq_puts(m, "instance type quota inflight\n");
	xa_lock_irq(&ap->requests);
	list_for_each_entry(inst, &ap->instances, link)
		seq_printf(m, "%pUl %s %u %u\n", &inst->uuid, inst->type_name,
			   inst->quota, inst->inflight);
	xa_unlock_irq(&ap->requests);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(instances);

static struct dentry *azblob_debugfs_root;

static int leaked_pages_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%ld\n", atomic_long_read(&azblob_leaked_pages));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(leaked_pages);

void azblob_debugfs_init(void)
{
	azblob_debugfs_root = debugfs_create_dir("azure_blob", NULL);
	/* Pages no removal could unpin: the host might still have owned them. */
	debugfs_create_file("leaked_pages", 0400, azblob_debugfs_root, NULL,
			    &leaked_pages_fops);
}

void azblob_debugfs_exit(void)
{
	debugfs_remove(azblob_debugfs_root);
}

void azblob_debugfs_add(struct azblob_parent *ap)
{
	ap->debugfs = debugfs_create_dir(dev_name(ap->dev), azblob_debugfs_root);
	debugfs_create_file("outstanding", 0400, ap->debugfs, ap,
			    &outstanding_fops);
	debugfs_create_file("counters", 0400, ap->debugfs, ap, &counters_fops);
	debugfs_create_file("instances", 0400, ap->debugfs, ap,
			    &instances_fops);
}

/* Waits for readers of the files, so the parent may be freed after it. */
void azblob_debugfs_remove(struct azblob_parent *ap)
{
	debugfs_remove(ap->debugfs);
}
